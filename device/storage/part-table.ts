/**
 * The part table: which part sits in which slot, how many bytes it reserved and where it is in
 * its lifecycle. It is the manager's only persistent state (the blob sizes are read back from
 * storage.list() on open), kept small because it is rewritten on every change.
 */
import { z } from 'zod';
import { decodeCbor, encodeCbor, type CborValue } from '../../sdk/cbor/index.js';
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import { id } from '../../sdk/wire/fields.js';
import { StorageTableError } from './storage-errors.js';

/**
 * reserved: space held, bytes arriving. complete: whole part verified (it stays so while it
 * plays). kept-base: played and served, kept only because other parts name it as their base.
 * A served part nobody needs is deleted at once, so "served" is never a stored state.
 */
export type PartState = 'reserved' | 'complete' | 'kept-base';

export interface PartRecord {
  part: string;
  title: string;
  seq: number;
  base: string | null;
  slot: number;
  dataBytes: number;
  sideBytes: number;
  state: PartState;
  /** When a kept-base part's service ended, on the table's own counter: eviction takes the oldest first. */
  endedOrder: number | null;
}

export interface PartTable {
  /** The next slot number; slot numbers are never reused. */
  nextSlot: number;
  /** The next value of the counter that orders service ends. */
  nextOrder: number;
  parts: readonly PartRecord[];
}

export const EMPTY_TABLE: PartTable = { nextSlot: 0, nextOrder: 0, parts: [] };

const TABLE_VERSION = 1;
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Matches the manifest's seq bound [FW-6]. */
const seq = z.number().int().min(1).max(10_000);

export const ReserveRequestSchema = z.strictObject({
  part: id,
  title: id,
  seq,
  base: id.nullable(),
  dataBytes: count.min(1),
  sideBytes: count,
});

export type ReserveRequest = z.infer<typeof ReserveRequestSchema>;

const PartRecordSchema = ReserveRequestSchema.extend({
  slot: count,
  state: z.enum(['reserved', 'complete', 'kept-base']),
  endedOrder: count.nullable(),
});

const PartTableSchema = z.strictObject({
  v: z.literal(TABLE_VERSION),
  nextSlot: count,
  nextOrder: count,
  parts: z.array(PartRecordSchema),
});

export function reservedBytesOf(record: PartRecord): number {
  return record.dataBytes + record.sideBytes;
}

/** Checks a reserve request, answering invalid-argument with the offending field's path. */
export function parseReserveRequest(request: unknown): ReserveRequest {
  const parsed = ReserveRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new FairwayError('invalid-argument', issue?.message ?? 'not a reserve request', issue?.path.join('.'));
  }
  if (parsed.data.base === parsed.data.part) throw new FairwayError('invalid-argument', 'a part cannot be its own base', 'base');
  return parsed.data;
}

export function encodeTable(table: PartTable): Uint8Array {
  const parts: CborValue[] = table.parts.map((p) => ({
    part: p.part,
    title: p.title,
    seq: p.seq,
    base: p.base,
    dataBytes: p.dataBytes,
    sideBytes: p.sideBytes,
    slot: p.slot,
    state: p.state,
    endedOrder: p.endedOrder,
  }));
  return encodeCbor({ v: TABLE_VERSION, nextSlot: table.nextSlot, nextOrder: table.nextOrder, parts });
}

/** Decodes and cross-checks a table; anything wrong → StorageTableError (kind malformed). */
export function decodeTable(bytes: Uint8Array): PartTable {
  let value: CborValue;
  try {
    value = decodeCbor(bytes, { maxBytes: Math.max(bytes.length, 1) });
  } catch (error) {
    throw new StorageTableError(isFairwayError(error) ? error.message : 'not CBOR', error);
  }
  const parsed = PartTableSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StorageTableError(`${issue?.path.join('.') || 'table'}: ${issue?.message ?? 'invalid'}`);
  }
  const table = parsed.data;
  const parts = new Set<string>();
  const slots = new Set<number>();
  for (const p of table.parts) {
    if (parts.has(p.part)) throw new StorageTableError(`part ${p.part} is listed twice`);
    if (slots.has(p.slot)) throw new StorageTableError(`slot ${p.slot} is listed twice`);
    if (p.slot >= table.nextSlot) throw new StorageTableError(`slot ${p.slot} is not below nextSlot ${table.nextSlot}`);
    if (p.base === p.part) throw new StorageTableError(`part ${p.part} is its own base`);
    if ((p.state === 'kept-base') !== (p.endedOrder !== null)) throw new StorageTableError(`part ${p.part}: endedOrder does not match state ${p.state}`);
    if (p.endedOrder !== null && p.endedOrder >= table.nextOrder) throw new StorageTableError(`part ${p.part}: endedOrder is not below nextOrder`);
    parts.add(p.part);
    slots.add(p.slot);
  }
  return { nextSlot: table.nextSlot, nextOrder: table.nextOrder, parts: table.parts };
}
