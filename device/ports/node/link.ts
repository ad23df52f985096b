/**
 * TcpLink: the Link as a TCP connection to the broker via node:net.
 */
import { connect as connectSocket, type Socket } from 'node:net';
import { FairwayError } from '../../../sdk/errors.js';
import type { Link, LinkConnection } from '../../../sdk/hal/link.js';
import { SocketConnection } from './socket-connection.js';

export interface TcpLinkOptions {
  /** How long connect() may take before it rejects with timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Handed each connected socket: for tools that act on the socket itself (a bench's terminal that stops reading). */
  onSocket?: (socket: Socket) => void;
}

export class TcpLink implements Link {
  private readonly connectTimeoutMs: number;
  private readonly onSocket: ((socket: Socket) => void) | undefined;

  constructor(
    readonly host: string,
    readonly port: number,
    options: TcpLinkOptions = {},
  ) {
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.onSocket = options.onSocket;
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
        this.onSocket?.(socket);
        resolve(new SocketConnection(socket));
      });
    });
  }
}
