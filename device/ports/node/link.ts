/**
 * TcpLink: the Link as a TCP connection to the broker via node:net.
 */
import { connect as connectSocket } from 'node:net';
import { FairwayError } from '../../../sdk/errors.js';
import type { Link, LinkConnection } from '../../../sdk/hal/link.js';
import { SocketConnection } from './socket-connection.js';

export interface TcpLinkOptions {
  /** How long connect() may take before it rejects with timeout. Default 10 s. */
  connectTimeoutMs?: number;
}

export class TcpLink implements Link {
  private readonly connectTimeoutMs: number;

  constructor(
    readonly host: string,
    readonly port: number,
    options: TcpLinkOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  connect(): Promise<LinkConnection> {
    return new Promise((resolve, reject) => {
      const socket = connectSocket({ host: this.host, port: this.port });
      const giveUp = setTimeout(() => {
        socket.destroy();
        reject(new FairwayError('timeout', `no connection to ${this.host}:${this.port} within ${this.connectTimeoutMs} ms`));
      }, this.connectTimeoutMs);
      const onError = (error: Error) => {
        clearTimeout(giveUp);
        // Whatever stopped the connection (refused, unreachable, unknown host), there is no link.
        const reason = error instanceof Error ? error.message : String(error);
        reject(new FairwayError('link-reset', `cannot connect to ${this.host}:${this.port}: ${reason}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(giveUp);
        socket.off('error', onError);
        // Protocol messages are small and latency-bound; do not hold them back to coalesce.
        socket.setNoDelay(true);
        resolve(new SocketConnection(socket));
      });
    });
  }
}
