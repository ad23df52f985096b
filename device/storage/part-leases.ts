/**
 * Leases on parts a host session is serving to peers [FW-14]: a count per part, and how the
 * part's own service ended while it was leased (played, or its title finished), so that the
 * storage manager can remove it the way that ending would have once the last lease is back.
 * In memory only: hosting ends with the power, and a part whose service ended meanwhile is
 * then just a stored part.
 */
export type LeasedEnding = 'served' | 'finished';

export class PartLeases {
  private readonly counts = new Map<string, number>();
  private readonly endings = new Map<string, LeasedEnding>();

  has(part: string): boolean {
    return this.counts.has(part);
  }

  /** Leased parts: needed, so never evicted. */
  parts(): IterableIterator<string> {
    return this.counts.keys();
  }

  take(part: string): void {
    this.counts.set(part, (this.counts.get(part) ?? 0) + 1);
  }

  /** Notes how the part's service ended; the first ending seen wins unless the title finished. */
  ended(part: string, how: LeasedEnding): void {
    if (how === 'finished' || !this.endings.has(part)) this.endings.set(part, how);
  }

  /** Gives one lease back; with the last one, returns how the service ended meanwhile (if it did). */
  giveBack(part: string): { last: boolean; ending: LeasedEnding | undefined } {
    const left = (this.counts.get(part) ?? 1) - 1;
    if (left > 0) {
      this.counts.set(part, left);
      return { last: false, ending: undefined };
    }
    this.counts.delete(part);
    const ending = this.endings.get(part);
    this.endings.delete(part);
    return { last: true, ending };
  }
}
