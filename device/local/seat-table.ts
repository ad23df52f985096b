/**
 * The seats of one licence [FW-14.2]: at most N distinct peer ids ever hold one, a peer that
 * rejoins keeps its own, and a seat is never given back (N counts peers served, not peers
 * connected), numbered 1 … N in the order peers first came.
 */
import { FairwayError } from '../../sdk/errors.js';

export type SeatClaim = { ok: true; seat: number; rejoined: boolean } | { ok: false };

export class SeatTable {
  private readonly byPeer = new Map<string, number>();

  constructor(
    readonly seats: number,
    taken: Iterable<readonly [peer: string, seat: number]> = [],
  ) {
    if (!Number.isInteger(seats) || seats < 1) throw new FairwayError('invalid-argument', `seats must be a positive integer, got ${seats}`, 'seats');
    for (const [peer, seat] of taken) {
      if (!Number.isInteger(seat) || seat < 1 || seat > seats) throw new FairwayError('out-of-range', `seat ${seat} is not in 1..${seats}`, 'seat');
      this.byPeer.set(peer, seat);
    }
  }

  get taken(): number {
    return this.byPeer.size;
  }

  seatOf(peer: string): number | undefined {
    return this.byPeer.get(peer);
  }

  /** Whether `peer` already holds a seat (a rejoin), without claiming one. */
  holds(peer: string): boolean {
    return this.byPeer.has(peer);
  }

  claim(peer: string): SeatClaim {
    const held = this.byPeer.get(peer);
    if (held !== undefined) return { ok: true, seat: held, rejoined: true };
    if (this.byPeer.size >= this.seats) return { ok: false };
    const used = new Set(this.byPeer.values());
    let seat = 1;
    while (used.has(seat)) seat++;
    this.byPeer.set(peer, seat);
    return { ok: true, seat, rejoined: false };
  }

  list(): { peer: string; seat: number }[] {
    return [...this.byPeer].map(([peer, seat]) => ({ peer, seat })).sort((a, b) => a.seat - b.seat);
  }
}
