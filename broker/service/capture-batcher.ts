/**
 * Group commit for charges: captures that arrive while a commit is in progress wait and then
 * go together in one transaction (captureMany), so a burst of receipts costs one fsync per
 * group instead of one per receipt. Each caller still gets its own result, only after the
 * group is durable — a `charge` is never sent before its charge is on disk [FW-8.2].
 *
 * On PostgreSQL two groups commit at once: a group is a handful of round trips and a commit,
 * each a wait in which the database, not this process, works; with one group at a time the
 * next group's receipts sit idle through all of them. Two groups' transactions take rows in the
 * same order (users → transfers → parts → provider/sponsor, capture-write-postgres.ts), so
 * the second waits at most for the first's contended rows, and a deadlock the database
 * reports anyway is retried (inTransaction). SQLite has one writer: one group at a time.
 */
import { capture, captureMany } from '../ledger/capture.js';
import type { LedgerContext } from '../ledger/context.js';
import type { CaptureInput, CaptureResult } from '../ledger/types.js';

interface Waiting {
  input: CaptureInput;
  resolve(result: CaptureResult): void;
  reject(error: unknown): void;
}

export class CaptureBatcher {
  private queue: Waiting[] = [];
  /** Committers running: each takes groups from the queue until it is empty. */
  private committers = 0;
  private readonly maxCommitters: number;

  constructor(
    private readonly ledger: LedgerContext,
    private readonly maxGroup = 64,
    maxConcurrentGroups?: number,
  ) {
    this.maxCommitters = maxConcurrentGroups ?? (ledger.dialect === 'postgres' ? 2 : 1);
  }

  capture(input: CaptureInput): Promise<CaptureResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (this.committers < this.maxCommitters) {
        this.committers++;
        // Let the captures of this turn of the event loop join the group.
        setImmediate(() => void this.commitGroups());
      }
    });
  }

  private async commitGroups(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue.splice(0, this.maxGroup);
      try {
        const results = await captureMany(this.ledger, group.map((w) => w.input));
        group.forEach((w, i) => w.resolve(results[i]!));
      } catch {
        // A bad input fails the group's validation: settle each on its own.
        await Promise.all(group.map((w) => capture(this.ledger, w.input).then(w.resolve, w.reject)));
      }
    }
    this.committers--;
  }
}
