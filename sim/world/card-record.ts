/**
 * The demo world's prepaid cards, kept in clear in a small JSON file beside the store's data.
 * The store keeps only a hash of a card's password (it exists in clear once, when issued), so
 * without this record a second `npm start` on the same data folder could not hand its
 * terminals the cards the first one issued, and would have to issue more each time.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { FairwayError } from '../../sdk/errors.js';

export interface WorldCard {
  id: string;
  password: string;
  valueMinor: number;
}

const CardSchema = z.strictObject({ id: z.string().min(1).max(64), password: z.string().min(1).max(64), valueMinor: z.number().int().min(1).max(1_000_000_000_000) });
const RecordSchema = z.strictObject({
  v: z.literal(1),
  /** The world seed the cards' users were derived from. */
  seed: z.number().int(),
  /** The unused cards of each world user, by user id, in issue order. */
  cards: z.record(z.string(), z.array(CardSchema)),
});
export type CardRecord = z.infer<typeof RecordSchema>;

/** The record at `path`, or an empty one for `seed` when there is no file yet. */
export async function loadCardRecord(path: string, seed: number): Promise<CardRecord> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { v: 1, seed, cards: {} };
    throw new FairwayError('io', `cannot read ${path}: ${(e as Error).message}`, 'recordPath');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new FairwayError('malformed', `${path} is not JSON; delete it to issue the world's cards afresh`, 'recordPath');
  }
  const parsed = RecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new FairwayError('malformed', `${path}: ${issue.path.join('.') || 'record'}: ${issue.message}`, 'recordPath');
  }
  if (parsed.data.seed !== seed) {
    throw new FairwayError('invalid-argument', `${path} belongs to a world made with seed ${parsed.data.seed}, not ${seed}: use that seed, or a fresh data folder`, 'seed');
  }
  return parsed.data;
}

/** Replaces the file in one rename, so a crash leaves the old record or the new one, never half. */
export async function saveCardRecord(path: string, record: CardRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.incoming`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, path);
}
