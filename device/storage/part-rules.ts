/**
 * Which parts may go, pure functions over the table. A part is *live* while it is reserved or
 * complete (being fetched, waiting to play or playing). A base is *needed* while a live part
 * names it, directly or through a chain of bases; a needed part is never evicted, and deleting
 * it on purpose is refused unless forced. Ended parts (kept-base) no live part needs are
 * evicted oldest-ended first, and only when that makes room for the whole reservation.
 */
import type { DeletionCandidate } from './storage-errors.js';
import { reservedBytesOf, type PartRecord } from './part-table.js';

export function isLive(record: PartRecord): boolean {
  return record.state === 'reserved' || record.state === 'complete';
}

/**
 * Every part needed as a base, with the live parts that need it. `extraRoots` are bases a
 * part not yet in the table will need (the one being reserved), so they are protected too.
 */
export function neededBases(parts: readonly PartRecord[], extraRoots: readonly string[] = []): Map<string, string[]> {
  const byId = new Map(parts.map((p) => [p.part, p]));
  const needed = new Map<string, string[]>();
  const walk = (base: string | null, dependent: string): void => {
    // A chain ends at a part that is not stored or names no base; `seen` stops a cycle.
    const seen = new Set<string>();
    while (base !== null && base !== dependent && !seen.has(base)) {
      seen.add(base);
      const list = needed.get(base) ?? [];
      if (!list.includes(dependent)) list.push(dependent);
      needed.set(base, list);
      base = byId.get(base)?.base ?? null;
    }
  };
  for (const p of parts) if (isLive(p)) walk(p.base, p.part);
  for (const root of extraRoots) walk(root, '(the part being reserved)');
  return needed;
}

/** Ended parts no live part needs, oldest-ended first: what reserve() may evict on its own. */
export function evictable(parts: readonly PartRecord[], extraRoots: readonly string[] = []): PartRecord[] {
  const needed = neededBases(parts, extraRoots);
  return parts
    .filter((p) => p.state === 'kept-base' && !needed.has(p.part))
    .sort((a, b) => (a.endedOrder ?? 0) - (b.endedOrder ?? 0));
}

/**
 * The fewest oldest-ended parts whose eviction brings free space up to `neededBytes`, or
 * undefined when evicting all of them would still leave too little.
 */
export function planEviction(
  parts: readonly PartRecord[],
  neededBytes: number,
  freeBytes: number,
  extraRoots: readonly string[],
): PartRecord[] | undefined {
  const chosen: PartRecord[] = [];
  let free = freeBytes;
  for (const p of evictable(parts, extraRoots)) {
    if (free >= neededBytes) break;
    chosen.push(p);
    free += reservedBytesOf(p);
  }
  return free >= neededBytes ? chosen : undefined;
}

const STATE_RANK = { 'kept-base': 0, complete: 1, reserved: 2 } as const;

/**
 * Parts remove() would delete without force, in the order a UI should suggest them: ended
 * parts (oldest first), then complete ones, then unfinished reservations (oldest first).
 */
export function deletionCandidates(parts: readonly PartRecord[]): DeletionCandidate[] {
  const needed = neededBases(parts);
  return parts
    .filter((p) => !needed.has(p.part))
    .sort((a, b) => STATE_RANK[a.state] - STATE_RANK[b.state] || (a.endedOrder ?? 0) - (b.endedOrder ?? 0) || a.slot - b.slot)
    .map((p) => ({ part: p.part, title: p.title, sizeBytes: reservedBytesOf(p), state: p.state }));
}
