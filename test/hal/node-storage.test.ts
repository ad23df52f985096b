import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStorage } from '../../device/ports/node/index.js';
import { describeStorageConformance } from '../../sdk/testing/index.js';
import { expectRejection } from '../../sdk/testing/expect-error.js';

let root = '';
let fixtures = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fairway-file-storage-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh, not yet existing directory under the run's temp root. */
function freshDirectory(): string {
  return join(root, `storage-${++fixtures}`);
}

describeStorageConformance(async () => {
  const directory = freshDirectory();
  const options = { capacityBytes: 4096 };
  return {
    storage: await FileStorage.open(directory, options),
    capacityBytes: options.capacityBytes,
    reopen: () => FileStorage.open(directory, options),
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
});

describe('FileStorage', () => {
  it('counts blobs already on disk when it opens', async () => {
    const directory = freshDirectory();
    await mkdir(directory);
    await writeFile(join(directory, 'part-1'), new Uint8Array(100));
    await writeFile(join(directory, '+readme'), new Uint8Array(5));
    const storage = await FileStorage.open(directory, { capacityBytes: 1000 });
    expect(await storage.usage()).toEqual({ capacityBytes: 1000, usedBytes: 105 });
    expect(await storage.list()).toEqual([
      { name: 'Readme', sizeBytes: 5 },
      { name: 'part-1', sizeBytes: 100 },
    ]);
    await storage.close();
  });

  it('ignores files that are not blobs', async () => {
    const directory = freshDirectory();
    await mkdir(directory);
    for (const stray of ['.DS_Store', 'notes~', 'Capital', 'a+', '++x']) await writeFile(join(directory, stray), 'x');
    await mkdir(join(directory, 'subdir'));
    const storage = await FileStorage.open(directory, { capacityBytes: 1000 });
    expect(await storage.list()).toEqual([]);
    expect((await storage.usage()).usedBytes).toBe(0);
    await storage.close();
  });

  it('stores names that differ only in case as different files', async () => {
    const directory = freshDirectory();
    const storage = await FileStorage.open(directory, { capacityBytes: 1000 });
    await storage.write('Ab', 0, Uint8Array.of(1));
    await storage.write('ab', 0, Uint8Array.of(2));
    expect((await readdir(directory)).sort()).toEqual(['+ab', 'ab']);
    expect(await storage.read('Ab', 0, 1)).toEqual(Uint8Array.of(1));
    expect(await storage.read('ab', 0, 1)).toEqual(Uint8Array.of(2));
    await storage.close();
  });

  it('creates its directory when it does not exist', async () => {
    const directory = join(freshDirectory(), 'nested', 'deeper');
    const storage = await FileStorage.open(directory, { capacityBytes: 10 });
    await storage.write('x', 0, Uint8Array.of(1));
    expect(await readdir(directory)).toEqual(['x']);
    await storage.close();
  });

  it('reports an unusable directory as io', async () => {
    const file = join(root, `not-a-directory-${++fixtures}`);
    await writeFile(file, 'x');
    await expectRejection(() => FileStorage.open(file, { capacityBytes: 10 }), 'io');
  });

  it('refuses a negative capacity with invalid-argument', async () => {
    await expectRejection(() => FileStorage.open(freshDirectory(), { capacityBytes: -1 }), 'invalid-argument');
  });
});
