/**
 * Turns a title folder into what the store records: every part's bytes stored by content,
 * hashed per chunk, and a manifest signed with the store key [FW-6]. Nothing touches the
 * database here, so a bad folder is refused before anything is recorded.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import { manifestArtefact, type Manifest } from '../../sdk/manifest/index.js';
import { CatalogError } from './catalog-error.js';
import type { ContentStore } from './content-store.js';
import { readTitleFile, type TitleFile } from './title-file.js';

export const TITLE_FILE = 'title.yaml';

export interface PreparedPart {
  id: string;
  seq: number;
  nextId: string | null;
  baseId: string | null;
  sizeBytes: number;
  chunkBytes: number;
  partHash: Uint8Array;
  contentHash: string;
  /** The signed manifest, exactly as offers will carry it. */
  manifest: Uint8Array;
  listPriceMinor: number;
}

export interface PreparedTitle {
  file: TitleFile;
  parts: PreparedPart[];
}

export interface PrepareContext {
  content: ContentStore;
  crypto: Crypto;
  storeSigner: Signer;
  storeKid: Uint8Array;
}

export async function prepareTitle(folder: string, context: PrepareContext): Promise<PreparedTitle> {
  const titlePath = join(folder, TITLE_FILE);
  const file = await readTitleFile(titlePath);
  const root = resolve(folder);
  // Check every part file exists before storing any, so a typo costs no disk writes.
  for (const [i, part] of file.parts.entries()) {
    const info = await stat(join(root, part.file)).catch(() => undefined);
    if (!info?.isFile()) throw new CatalogError(titlePath, `no such file ${part.file} in ${folder}`, `parts.${i}.file`);
    if (info.size === 0) throw new CatalogError(join(root, part.file), 'a part file is empty', `parts.${i}.file`);
  }
  const parts: PreparedPart[] = [];
  for (const [i, part] of file.parts.entries()) {
    const stored = await context.content.importFile(join(root, part.file), file.chunkBytes, context.crypto);
    const manifest: Manifest = {
      v: 1,
      part: part.id,
      title: file.id,
      seq: i + 1,
      next: file.parts[i + 1]?.id ?? null,
      base: i > 0 && file.requiresBase ? file.parts[0]!.id : null,
      size: stored.sizeBytes,
      chunkBytes: stored.chunkBytes,
      chunks: stored.chunkHashes,
      hash: stored.partHash,
    };
    if (manifest.chunks.length > 28_000) {
      throw new CatalogError(join(root, part.file), `${manifest.chunks.length} chunks is over the 28,000 a manifest may name; raise chunkBytes`, `parts.${i}.file`);
    }
    parts.push({
      id: part.id,
      seq: manifest.seq,
      nextId: manifest.next,
      baseId: manifest.base,
      sizeBytes: stored.sizeBytes,
      chunkBytes: stored.chunkBytes,
      partHash: stored.partHash,
      contentHash: stored.contentHash,
      manifest: await manifestArtefact.sign(manifest, context.storeSigner, context.storeKid),
      listPriceMinor: part.price,
    });
  }
  return { file, parts };
}
