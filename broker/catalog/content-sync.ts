/**
 * Moving a single-node PostgreSQL store to a cluster [issue 11 §3]: its parts were imported
 * before content went into the database, so they exist only as files in its data folder.
 * This copies every catalog part the database lacks from this node's files into it. It is
 * idempotent (a part already complete is left alone) and checks each file against its
 * content hash first, so a damaged file is reported, never shared with every node.
 */
import type { Kysely } from 'kysely';
import { isFairwayError } from '../../sdk/errors.js';
import type { Schema } from '../db/schema.js';
import type { ContentStore } from './content-store.js';
import { isContentUnavailable } from './part-bytes-source.js';

/**
 * - `copied`: copied from this node's file now;
 * - `present`: already complete in the database;
 * - `missing`: not in the database and no file here (run the sync on the node that has it);
 * - `damaged`: the file here is not the part (wrong size or hash); nothing was copied.
 */
export type SyncOutcome = 'copied' | 'present' | 'missing' | 'damaged';

export interface SyncedContent {
  contentHash: string;
  sizeBytes: number;
  /** The catalog parts with this content (identical parts share it). */
  parts: string[];
  outcome: SyncOutcome;
  detail?: string;
}

export async function syncContentToDatabase(db: Kysely<Schema>, content: ContentStore): Promise<SyncedContent[]> {
  const database = content.database;
  if (!database) throw new Error('this store keeps its content in files only (no PostgreSQL database to copy to)');
  const rows = await db.selectFrom('parts').select(['id', 'content_hash', 'size_bytes']).orderBy('content_hash').orderBy('id').execute();
  const byContent = new Map<string, SyncedContent>();
  for (const row of rows) {
    const entry = byContent.get(row.content_hash);
    if (entry) entry.parts.push(row.id);
    else byContent.set(row.content_hash, { contentHash: row.content_hash, sizeBytes: row.size_bytes, parts: [row.id], outcome: 'missing' });
  }
  for (const entry of byContent.values()) {
    if (await database.has(entry.contentHash)) {
      entry.outcome = 'present';
      continue;
    }
    const file = await content.files.find(entry.contentHash);
    if (file === null) continue;
    if (file.sizeBytes !== entry.sizeBytes) {
      entry.outcome = 'damaged';
      entry.detail = `the file is ${file.sizeBytes} bytes, the catalog says ${entry.sizeBytes}`;
      continue;
    }
    try {
      entry.outcome = (await database.store(entry.contentHash, entry.sizeBytes, (offset, length) => content.files.read(entry.contentHash, offset, length))) === 'stored' ? 'copied' : 'present';
    } catch (e) {
      if (!isFairwayError(e, 'hash-mismatch') && !isContentUnavailable(e, 'truncated')) throw e;
      entry.outcome = 'damaged';
      entry.detail = (e as Error).message;
    }
  }
  return [...byContent.values()];
}
