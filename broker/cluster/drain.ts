/**
 * Taking a node out of a cluster without hurting anyone [issue 11 §4], on SIGTERM:
 *
 * 1. Say so: /readyz answers 503 and the node's row says `draining` — at once.
 * 2. Keep serving for `delayMs`, long enough for the balancer's health check to notice
 *    (HAProxy: `fall` × `inter` plus a margin) and stop sending new connections here.
 * 3. Stop accepting connections: anything the balancer still sends goes elsewhere.
 * 4. Close terminal connections in batches, `batch` every `intervalMs`, so a thousand
 *    terminals do not reconnect to the other nodes in the same instant. Before each batch
 *    the requests being handled finish, so their answers go out before the connection does.
 * 5. The caller then closes the store (which waits for any remaining work).
 *
 * A disconnected terminal reconnects with back-off and full jitter [FW-2.5], and resumes its
 * transfer on whichever node it reaches: nothing is lost, only a reconnect is spent.
 */
import type { Logger } from 'pino';

/** A fixed number of connections per batch, or a share of those connected when batching starts. */
export type DrainBatch = { count: number } | { percent: number };

/** `50` or `10%`; undefined when it is neither. */
export function parseDrainBatch(text: string): DrainBatch | undefined {
  const percent = /^(\d{1,3})%$/.exec(text);
  if (percent) {
    const p = Number(percent[1]);
    return p >= 1 && p <= 100 ? { percent: p } : undefined;
  }
  if (/^\d{1,7}$/.test(text) && Number(text) >= 1) return { count: Number(text) };
  return undefined;
}

export const DEFAULT_DRAIN_BATCH: DrainBatch = { percent: 10 };
export const DRAIN_INTERVAL_MS = 200;
/** Enough for HAProxy with `inter 1s fall 2` plus a margin. */
export const DEFAULT_DRAIN_DELAY_MS = 3_000;

export interface DrainTarget {
  /** Readiness 503, registry `draining`. */
  markDraining(): void | Promise<void>;
  stopAccepting(): void;
  /** Resolves once the requests being handled now are answered. */
  settled(): Promise<void>;
  connectedCount(): number;
  /** Closes up to n terminal connections; returns how many it closed. */
  disconnectSome(n: number): number;
}

export interface DrainOptions {
  delayMs: number;
  batch: DrainBatch;
  intervalMs?: number;
  /** Longest wait for in-flight requests before each batch; default 10 s. */
  settleTimeoutMs?: number;
  log: Logger;
  /** Aborted (a second signal): stop where it is; the caller closes at once. */
  signal?: AbortSignal;
}

export interface DrainResult {
  batches: number;
  disconnected: number;
  aborted: boolean;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function batchSize(batch: DrainBatch, connected: number): number {
  return 'count' in batch ? batch.count : Math.max(1, Math.ceil((connected * batch.percent) / 100));
}

export async function drain(target: DrainTarget, options: DrainOptions): Promise<DrainResult> {
  const { log, signal } = options;
  const interval = options.intervalMs ?? DRAIN_INTERVAL_MS;
  const settleTimeoutMs = options.settleTimeoutMs ?? 10_000;
  const result: DrainResult = { batches: 0, disconnected: 0, aborted: false };
  const aborted = (): boolean => (result.aborted = signal?.aborted === true);

  await target.markDraining();
  log.info({ delayMs: options.delayMs, connected: target.connectedCount() }, 'draining: not ready any more, still serving while the balancer notices');
  await sleep(options.delayMs, signal);
  if (aborted()) return result;

  target.stopAccepting();
  const size = batchSize(options.batch, target.connectedCount());
  log.info({ connected: target.connectedCount(), batch: size, intervalMs: interval }, 'draining: new connections refused; closing terminal connections in batches');
  while (target.connectedCount() > 0) {
    // Bounded (a request stuck on a dead database must not hold the drain forever), and the
    // timer is cancelled once work settles so it cannot keep the process alive afterwards.
    const settleWait = new AbortController();
    await Promise.race([target.settled(), sleep(settleTimeoutMs, signal ? AbortSignal.any([signal, settleWait.signal]) : settleWait.signal)]);
    settleWait.abort();
    if (aborted()) return result;
    const closed = target.disconnectSome(size);
    if (closed === 0) break;
    result.batches++;
    result.disconnected += closed;
    log.debug({ closed, left: target.connectedCount() }, 'draining: batch closed');
    await sleep(interval, signal);
    if (aborted()) return result;
  }
  log.info({ batches: result.batches, disconnected: result.disconnected }, 'draining: every terminal connection closed');
  return result;
}
