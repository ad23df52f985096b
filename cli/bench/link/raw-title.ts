/**
 * A one-part title of seeded random bytes, cut into chunks of a chosen size, written as a
 * title folder the store imports. Random bytes, because the link benches measure the transport:
 * nothing in it may compress or shortcut the payload.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';

export interface RawTitle {
  title: string;
  part: string;
  sizeBytes: number;
  chunkBytes: number;
}

export async function writeRawTitle(folder: string, title: string, sizeBytes: number, chunkBytes: number, seed: number): Promise<RawTitle> {
  await mkdir(folder, { recursive: true });
  const part = `${title}-p1`;
  await writeFile(join(folder, 'p1'), seededRandomSource(seed)(sizeBytes));
  await writeFile(
    join(folder, 'title.yaml'),
    `id: ${title}\nname: ${title}\nprovider: Bench\ncategory: demo\nchunkBytes: ${chunkBytes}\nparts:\n  - { id: ${part}, file: p1, price: 1 }\n`,
  );
  return { title, part, sizeBytes, chunkBytes };
}
