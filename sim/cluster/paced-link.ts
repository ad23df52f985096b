/**
 * A Link that reads no faster than a radio would deliver: a test terminal on loopback would
 * otherwise fetch a whole title in a few milliseconds, and a fault test could never catch it
 * mid-stream. Reads are pulled (sdk/hal/link.ts), so holding the next read back leaves the
 * bytes in the kernel's buffers and TCP slows the store down, as a slow radio does; nothing
 * is dropped and no byte is reordered.
 *
 * A token bucket per connection: `burstBytes` pass at once, then `bytesPerSecond`.
 */
import type { Link, LinkConnection } from '../../sdk/hal/link.js';

export interface Pace {
  bytesPerSecond: number;
  /** Default 4 KiB: control packets (CONNACK, a reply) are never held back behind a whole chunk's worth. */
  burstBytes?: number;
}

class PacedConnection implements LinkConnection {
  /** Monotonic ms at which the bucket is full again (nothing owed before then). */
  private owedUntilMs = 0;

  constructor(
    private readonly inner: LinkConnection,
    private readonly pace: Required<Pace>,
  ) {}

  write(bytes: Uint8Array): Promise<void> {
    return this.inner.write(bytes);
  }

  async read(): Promise<Uint8Array | null> {
    const burstMs = (this.pace.burstBytes * 1000) / this.pace.bytesPerSecond;
    const waitMs = this.owedUntilMs - burstMs - performance.now();
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    const bytes = await this.inner.read();
    if (bytes) this.owedUntilMs = Math.max(this.owedUntilMs, performance.now()) + (bytes.length * 1000) / this.pace.bytesPerSecond;
    return bytes;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function pacedLink(inner: Link, pace: Pace): Link {
  if (!(pace.bytesPerSecond > 0)) throw new RangeError(`bytesPerSecond must be positive, got ${pace.bytesPerSecond}`);
  const full = { bytesPerSecond: pace.bytesPerSecond, burstBytes: pace.burstBytes ?? 4096 };
  return { connect: async () => new PacedConnection(await inner.connect(), full) };
}
