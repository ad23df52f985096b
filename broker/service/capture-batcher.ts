/**
 * Group commit for charges: captures that arrive while a commit is in progress wait and then
 * go together in one transaction (captureMany), so a burst of receipts costs one fsync per
 * group instead of one per receipt. Each caller still gets its own result, only after the
 * group is durable — a `charge` is never sent before its charge is on disk [FW-8.2].
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
  private committing = false;

  constructor(
    private readonly ledger: LedgerContext,
    private readonly maxGroup = 64,
  ) {}

  capture(input: CaptureInput): Promise<CaptureResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      if (!this.committing) {
        this.committing = true;
        // Let the captures of this turn of the event loop join the first group.
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
    this.committing = false;
  }
}
