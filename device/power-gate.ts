/**
 * A power switch in front of the HAL's storage and link. After `cut()` nothing more reaches
 * flash or the radio — exactly what a battery pulled mid-flow leaves behind — while the
 * in-memory objects of the dead terminal wind down harmlessly. A new terminal is then
 * created over the same, ungated storage to see what it recovers.
 */
import { FairwayError } from '../sdk/errors.js';
import type { Link, LinkConnection } from '../sdk/hal/link.js';
import type { Storage } from '../sdk/hal/storage.js';

export class PowerGate {
  private powered = true;
  private readonly connections = new Set<LinkConnection>();

  get on(): boolean {
    return this.powered;
  }

  private check(): void {
    if (!this.powered) throw new FairwayError('closed', 'the terminal is powered off');
  }

  storage(inner: Storage): Storage {
    const guard = async <T>(op: () => Promise<T>): Promise<T> => {
      this.check();
      return op();
    };
    return {
      read: (n, o, l) => guard(() => inner.read(n, o, l)),
      write: (n, o, b) => guard(() => inner.write(n, o, b)),
      remove: (n) => guard(() => inner.remove(n)),
      list: () => guard(() => inner.list()),
      usage: () => guard(() => inner.usage()),
      // The storage outlives the terminal: the next power-up opens it again.
      close: async () => undefined,
    };
  }

  link(inner: Link): Link {
    return {
      connect: async () => {
        this.check();
        const connection = await inner.connect();
        if (!this.powered) {
          await connection.close();
          throw new FairwayError('closed', 'the terminal is powered off');
        }
        this.connections.add(connection);
        return {
          write: (bytes) => (this.powered ? connection.write(bytes) : Promise.reject(new FairwayError('closed', 'the terminal is powered off'))),
          read: () => connection.read(),
          close: async () => {
            this.connections.delete(connection);
            await connection.close();
          },
        };
      },
    };
  }

  /** Powers off: storage and link refuse everything, open connections drop without a goodbye. */
  async cut(): Promise<void> {
    this.powered = false;
    const open = [...this.connections];
    this.connections.clear();
    await Promise.all(open.map((c) => c.close().catch(() => undefined)));
  }
}
