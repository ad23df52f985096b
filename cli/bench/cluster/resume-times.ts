/**
 * How long a terminal streaming from a node that was killed went without a verified chunk,
 * beyond the back-off its own runtime chose: the cluster's share of the outage.
 *
 * From the kill, a terminal (1) notices its connection is gone (the node's sockets die with
 * it, so almost at once), (2) waits the reconnect delay it drew — full jitter, reported in its
 * `radio` event as `retryInMs` — and tries again, perhaps several times, (3) reaches another
 * node through the balancer and logs in (`radio` online), (4) asks for its windows again and
 * stores the next hash-verified chunk. The figure is (4) − kill − the delays of (2): what the
 * balancer, the surviving nodes, PostgreSQL and Redis added. Chunks stored between the kill
 * and the new login are left out: they were still in flight from the dead node.
 */

export interface RadioNote {
  atMs: number;
  online: boolean;
  /** On going offline: how long the runtime will wait before its next attempt. */
  retryInMs?: number;
}

export interface ResumeTime {
  /** Kill → next verified chunk after the new login. */
  totalMs: number;
  /** The reconnect delays the runtime drew in between. */
  backoffMs: number;
  /** totalMs − backoffMs. */
  beyondBackoffMs: number;
  /** Where it went: kill → the runtime saw its connection end (first `radio` offline). */
  detectMs: number;
  /** The last attempt: end of its back-off → logged in (balancer, CONNECT, subscribe, login). */
  loginMs: number;
  /** Logged in → the next verified chunk (windows asked again, served by the new node). */
  firstChunkMs: number;
}

/** Undefined when the terminal never went offline, never logged in again, or stored nothing after it did. */
export function resumeAfterKill(killAtMs: number, radio: readonly RadioNote[], storedAtMs: readonly number[]): ResumeTime | undefined {
  const online = radio.find((r) => r.online && r.atMs >= killAtMs);
  if (!online) return undefined;
  const offline = radio.filter((r) => !r.online && r.atMs >= killAtMs && r.atMs <= online.atMs);
  const first = offline[0];
  const last = offline[offline.length - 1];
  if (!first || !last) return undefined;
  const backoffMs = offline.reduce((sum, r) => sum + (r.retryInMs ?? 0), 0);
  const next = storedAtMs.find((at) => at >= online.atMs);
  if (next === undefined) return undefined;
  const totalMs = next - killAtMs;
  return {
    totalMs,
    backoffMs,
    beyondBackoffMs: totalMs - backoffMs,
    detectMs: first.atMs - killAtMs,
    loginMs: online.atMs - (last.atMs + (last.retryInMs ?? 0)),
    firstChunkMs: next - online.atMs,
  };
}

/** The p-th percentile (0–100) by nearest rank; NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}
