/**
 * A reference model of the storage manager's rules, written the plain way (a map of parts, a
 * fixpoint for "needed"), for the property test to compare the manager against step by step.
 */
import type { DeletionCandidate, PartBlobKind, PartState, ReserveRequest } from '../../../../device/storage/index.js';

export interface ModelPart {
  request: ReserveRequest;
  slot: number;
  state: PartState;
  endedOrder: number;
  blobs: Map<PartBlobKind, Uint8Array>;
}

export class StorageModel {
  readonly parts = new Map<string, ModelPart>();
  /** Parts removed by force while others still needed them: their dependents may lack a base. */
  readonly forcedAway = new Set<string>();
  private nextSlot = 0;
  private nextOrder = 0;

  constructor(readonly partBytes: number) {}

  reservedBytes(): number {
    let total = 0;
    for (const p of this.parts.values()) total += p.request.dataBytes + p.request.sideBytes;
    return total;
  }

  usedBytes(): number {
    let total = 0;
    for (const p of this.parts.values()) for (const blob of p.blobs.values()) total += blob.length;
    return total;
  }

  freeBytes(): number {
    return this.partBytes - this.reservedBytes();
  }

  /** Parts needed as a base: by a reserved or complete part, or by a needed part, or by `extra`. */
  needed(extra: string | null = null): Set<string> {
    const needed = new Set<string>();
    if (extra !== null) needed.add(extra);
    for (const p of this.parts.values()) if (p.state !== 'kept-base' && p.request.base !== null) needed.add(p.request.base);
    for (let grew = true; grew; ) {
      grew = false;
      for (const id of [...needed]) {
        const base = this.parts.get(id)?.request.base ?? null;
        if (base !== null && !needed.has(base)) {
          needed.add(base);
          grew = true;
        }
      }
    }
    return needed;
  }

  /** Ended parts reserve() may evict for a request whose base is `base`, oldest ended first. */
  evictable(base: string | null): ModelPart[] {
    const needed = this.needed(base);
    return [...this.parts.values()].filter((p) => p.state === 'kept-base' && !needed.has(p.request.part)).sort((a, b) => a.endedOrder - b.endedOrder);
  }

  candidates(): DeletionCandidate[] {
    const needed = this.needed();
    const rank = { 'kept-base': 0, complete: 1, reserved: 2 };
    return [...this.parts.values()]
      .filter((p) => !needed.has(p.request.part))
      .sort((a, b) => rank[a.state] - rank[b.state] || a.endedOrder - b.endedOrder || a.slot - b.slot)
      .map((p) => ({ part: p.request.part, title: p.request.title, sizeBytes: p.request.dataBytes + p.request.sideBytes, state: p.state }));
  }

  add(request: ReserveRequest): void {
    this.parts.set(request.part, { request, slot: this.nextSlot++, state: 'reserved', endedOrder: -1, blobs: new Map() });
    this.forcedAway.delete(request.part);
  }

  end(part: ModelPart): void {
    part.state = 'kept-base';
    part.endedOrder = this.nextOrder++;
  }

  delete(part: string): void {
    this.parts.delete(part);
  }

  /** The room a kind of blob may grow to: its share of the reservation not used by the others. */
  limit(part: ModelPart, kind: PartBlobKind): number {
    if (kind === 'data') return part.request.dataBytes;
    let others = 0;
    for (const [k, blob] of part.blobs) if (k !== 'data' && k !== kind) others += blob.length;
    return part.request.sideBytes - others;
  }

  write(part: ModelPart, kind: PartBlobKind, offset: number, bytes: Uint8Array): void {
    const old = part.blobs.get(kind) ?? new Uint8Array(0);
    const next = new Uint8Array(Math.max(old.length, offset + bytes.length));
    next.set(old);
    next.set(bytes, offset);
    part.blobs.set(kind, next);
  }
}
