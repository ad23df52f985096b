/**
 * The blob names the manager owns: the part table, `fw-parts`, and the parts' blobs. Part ids
 * may be 64 characters and blob names may not exceed 64, so a part gets a numbered slot and
 * four blobs named after it: `s<slot>.data` (the part), `.man` (manifest bytes), `.bits`
 * (missing-chunk bitmap) and `.rcpt` (receipt bytes). Slot numbers only ever grow, so a blob
 * left behind by a power cut can never be mistaken for a newer part's: open() deletes blobs
 * of slots the table does not know.
 */
export const TABLE_BLOB = 'fw-parts';

export const PART_BLOB_KINDS = ['data', 'man', 'bits', 'rcpt'] as const;
export type PartBlobKind = (typeof PART_BLOB_KINDS)[number];

/** The manifest, bitmap and receipt share one reservation, the caller's `sideBytes`. */
export const SIDE_KINDS: readonly PartBlobKind[] = ['man', 'bits', 'rcpt'];

const SLOT_BLOB = /^s(0|[1-9][0-9]{0,14})\.(data|man|bits|rcpt)$/;

export function slotBlobName(slot: number, kind: PartBlobKind): string {
  return `s${slot}.${kind}`;
}

/** The slot and kind a blob name stands for, or undefined for a blob that is not a part's. */
export function parseSlotBlobName(name: string): { slot: number; kind: PartBlobKind } | undefined {
  const match = SLOT_BLOB.exec(name);
  if (!match) return undefined;
  return { slot: Number(match[1]), kind: match[2] as PartBlobKind };
}

export function isPartBlobKind(kind: unknown): kind is PartBlobKind {
  return typeof kind === 'string' && (PART_BLOB_KINDS as readonly string[]).includes(kind);
}
