/**
 * Liveness and readiness on the metrics port [issue 11 §4], for a balancer's health check
 * (HAProxy `option httpchk GET /readyz`) and an orchestrator's probes.
 *
 * - `/healthz`: 200 whenever the process answers at all, i.e. its event loop runs. It checks
 *   nothing else on purpose: a liveness probe that fails when the database is down would
 *   restart every node at once during a database outage.
 * - `/readyz`: 200 only when this node can serve a terminal now — every check passes and it
 *   is not draining — else 503. The body (JSON) names each check and what failed, so an
 *   operator reading the balancer's log sees why. Each check is bounded by a timeout, so a
 *   hung database turns into a 503 in about a second instead of a check that never answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { withTimeout } from './cluster/with-timeout.js';

/** Resolves when the thing it checks is fine; rejects (with the reason) otherwise. */
export type ReadinessCheck = () => Promise<unknown>;

export interface CheckResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface ReadinessReport {
  ready: boolean;
  /** Names of the checks that failed, in the order they are listed. */
  failed: string[];
  checks: Record<string, CheckResult>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 1_000;

export class Readiness {
  private checks: Record<string, ReadinessCheck> | undefined;
  private drainingSinceMs: number | undefined;

  constructor(private readonly timeoutMs = DEFAULT_CHECK_TIMEOUT_MS) {}

  /** The store is up: from now on its checks decide. Until then /readyz says `started` failed. */
  setChecks(checks: Record<string, ReadinessCheck>): void {
    this.checks = checks;
  }

  /** Draining or shutting down: /readyz answers 503 from this moment on, whatever the checks say. */
  markDraining(nowMs = Date.now()): void {
    this.drainingSinceMs ??= nowMs;
  }

  get draining(): boolean {
    return this.drainingSinceMs !== undefined;
  }

  async report(): Promise<ReadinessReport> {
    const checks: Record<string, CheckResult> = {};
    if (!this.checks) checks['started'] = { ok: false, ms: 0, error: 'the store is starting (migrations, store key, broker)' };
    else {
      const entries = Object.entries(this.checks);
      // In parallel: the worst case is one timeout, not the sum of them.
      const results = await Promise.all(entries.map(([name, check]) => this.run(name, check)));
      entries.forEach(([name], i) => (checks[name] = results[i]!));
    }
    checks['draining'] = this.drainingSinceMs === undefined ? { ok: true, ms: 0 } : { ok: false, ms: 0, error: `draining since ${new Date(this.drainingSinceMs).toISOString()}` };
    const failed = Object.entries(checks)
      .filter(([, r]) => !r.ok)
      .map(([name]) => name);
    return { ready: failed.length === 0, failed, checks };
  }

  private async run(name: string, check: ReadinessCheck): Promise<CheckResult> {
    const started = performance.now();
    try {
      await withTimeout(Promise.resolve().then(check), this.timeoutMs, name);
      return { ok: true, ms: Math.round(performance.now() - started) };
    } catch (e) {
      return { ok: false, ms: Math.round(performance.now() - started), error: e instanceof Error ? e.message : String(e) };
    }
  }
}

/**
 * Answers /healthz and /readyz; returns false for any other path (the caller serves it).
 * The body is JSON for both, so a balancer can log it as it is.
 */
export function serveHealth(readiness: Readiness, req: IncomingMessage, res: ServerResponse): boolean {
  const path = (req.url ?? '').split('?')[0];
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ok: true, uptimeS: Math.round(process.uptime()) })}\n`);
    return true;
  }
  if (path === '/readyz') {
    readiness
      .report()
      .then((report) => res.writeHead(report.ready ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(report)}\n`))
      .catch((e: unknown) => res.writeHead(503, { 'content-type': 'application/json' }).end(`${JSON.stringify({ ready: false, failed: ['readiness'], error: String(e) })}\n`));
    return true;
  }
  return false;
}
