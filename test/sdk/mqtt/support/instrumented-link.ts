/**
 * InstrumentedLink: a real ScriptedLink seen through a thin wrapper that counts the client's
 * read() calls and can hold its writes back, as a transport whose send buffer is full would.
 * The bytes still travel through the real ScriptedConnection.
 */
import type { Link, LinkConnection } from '../../../../sdk/hal/link.js';
import { ScriptedLink, type ScriptedLinkOptions } from '../../../../sdk/testing/mocks/index.js';

export class InstrumentedLink implements Link {
  readonly scripted: ScriptedLink;
  /** read() calls made by the client so far. */
  reads = 0;
  private holding = false;
  private readonly held: Array<() => void> = [];

  constructor(options: ScriptedLinkOptions = {}) {
    this.scripted = new ScriptedLink(options);
  }

  /** From now on writes wait (bytes not delivered, promise pending) until release(). */
  holdWrites(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const write of this.held.splice(0)) write();
  }

  async connect(): Promise<LinkConnection> {
    const inner = await this.scripted.connect();
    return {
      read: () => {
        this.reads++;
        return inner.read();
      },
      write: (bytes) => {
        if (!this.holding) return inner.write(bytes);
        return new Promise<void>((resolve, reject) => this.held.push(() => inner.write(bytes).then(resolve, reject)));
      },
      close: () => inner.close(),
    };
  }
}
