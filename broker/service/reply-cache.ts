/**
 * The store's memory of its answers [FW-3.6.5]: per (device, rid), the request bytes and the
 * reply, for ten minutes. A resend with the same bytes gets the same reply without its effect
 * happening twice; a duplicate arriving while the first is still being handled waits for the
 * first's reply instead of running alongside it.
 */
import type { DownMessage } from '../../sdk/wire/index.js';

interface Entry {
  requestBytes: Uint8Array;
  reply: Promise<DownMessage | undefined>;
  expiresAtMs: number;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ReplyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /**
   * Runs `handle` unless the same request was seen: then returns the first run's reply. An
   * `error` reply (which changed nothing) and no reply at all are not kept.
   */
  async run(deviceId: string, rid: number, requestBytes: Uint8Array, nowMs: number, handle: () => Promise<DownMessage | undefined>): Promise<{ reply: DownMessage | undefined; cached: boolean }> {
    this.prune(nowMs);
    const key = `${deviceId}\u0000${rid}`;
    const seen = this.entries.get(key);
    if (seen && sameBytes(seen.requestBytes, requestBytes)) {
      const reply = await seen.reply.catch(() => undefined);
      if (reply !== undefined && reply.t !== 'error') return { reply, cached: true };
    }
    const reply = handle();
    const entry: Entry = { requestBytes, reply, expiresAtMs: nowMs + this.ttlMs };
    this.entries.delete(key); // re-insert at the end: the map stays in expiry order
    this.entries.set(key, entry);
    const settled = await reply.catch((e: unknown) => {
      this.entries.delete(key);
      throw e;
    });
    if ((settled === undefined || settled.t === 'error') && this.entries.get(key) === entry) this.entries.delete(key);
    return { reply: settled, cached: false };
  }

  private prune(nowMs: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAtMs > nowMs && this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
