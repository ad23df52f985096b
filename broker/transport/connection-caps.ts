/**
 * How many connections a broker holds, in all and per source address [issue 12 §6]: a flood
 * from one address (or an anonymous crowd) must not take the memory every terminal needs
 * (~12 kB each). A connection over a cap is closed before a byte of it is read; a terminal
 * treats that as a drop and comes back after its back-off.
 *
 * Per source address, not per device: an address is known before the CONNECT is read. The
 * per-source default is generous because carrier-grade NAT puts many handhelds behind one
 * address.
 */

export interface ConnectionCapsOptions {
  /** Default 200,000. */
  maxConnections?: number;
  /** Default 20,000. */
  maxConnectionsPerSource?: number;
}

export const DEFAULT_MAX_CONNECTIONS = 200_000;
export const DEFAULT_MAX_CONNECTIONS_PER_SOURCE = 20_000;

export type Admission = { admitted: true; release: () => void } | { admitted: false; reason: string };

/** The address part of `address:port` (IPv6 addresses contain colons too). */
export function sourceOf(peer: string): string {
  const colon = peer.lastIndexOf(':');
  return colon > 0 ? peer.slice(0, colon) : peer;
}

export class ConnectionCaps {
  private total = 0;
  private readonly bySource = new Map<string, number>();
  readonly maxConnections: number;
  readonly maxConnectionsPerSource: number;

  constructor(options: ConnectionCapsOptions = {}) {
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.maxConnectionsPerSource = options.maxConnectionsPerSource ?? DEFAULT_MAX_CONNECTIONS_PER_SOURCE;
  }

  /** Counts a new connection from `source`, or says which cap it is over. `release` once, when it closes. */
  admit(source: string): Admission {
    if (this.total >= this.maxConnections) return { admitted: false, reason: `${this.total} connections: the cap of ${this.maxConnections}` };
    const fromSource = this.bySource.get(source) ?? 0;
    if (fromSource >= this.maxConnectionsPerSource) return { admitted: false, reason: `${fromSource} connections from ${source}: the cap of ${this.maxConnectionsPerSource} per source` };
    this.total++;
    this.bySource.set(source, fromSource + 1);
    let released = false;
    return {
      admitted: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.bySource.get(source) ?? 1) - 1;
        if (left === 0) this.bySource.delete(source);
        else this.bySource.set(source, left);
      },
    };
  }

  get connections(): number {
    return this.total;
  }
}
