/**
 * Redis's answer to PING, for /readyz in cluster mode. A node that cannot reach Redis cannot
 * check nonces or guess limits, so it must not be sent terminals.
 *
 * Its own small connection, because this branch does not have the store's Redis wiring
 * (broker/cluster/redis-state.ts); once startStore exposes its SharedState, /readyz should
 * call that `ping()` instead and this file can go.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisPinger {
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function redisPinger(url: string, log: Logger): RedisPinger {
  const client = new Redis(url, {
    lazyConnect: true,
    // Fail at once while disconnected, rather than queue: readiness wants "now", not "later".
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError = '';
  client.on('error', (e: Error) => {
    // Reconnects repeat the same error every attempt: log each kind once.
    if (e.message !== lastError) log.warn({ err: e }, 'redis (readiness ping) connection failed');
    lastError = e.message;
  });
  client.on('ready', () => (lastError = ''));
  return {
    async ping() {
      if (client.status === 'wait') await client.connect();
      const answer = await client.ping();
      if (answer !== 'PONG') throw new Error(`redis answered ${answer} to PING`);
    },
    async close() {
      client.disconnect();
    },
  };
}
