/**
 * Telling "a dependency is down" from "the store has a bug" [issue 11 §5]. Both changed
 * nothing, but they ask different things of a terminal and an operator: an outage is
 * answered `error unavailable` with a retry time (the terminal resends the same bytes, and
 * is charged once when the database is back), a bug `error internal` and a loud log.
 */

/** Thrown by store code that found a dependency unreachable (e.g. the shared cache). */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    readonly dependency: 'database' | 'redis' | 'content',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Socket-level failures: the peer is gone, not wrong. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs that mean "not now": connection exceptions (class 08), the server
 * shutting down or restarting (57P01–57P03), too many connections (53300), and a read-only
 * standby after a failover (25006).
 */
function isPostgresOutage(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '25006';
}

/** Driver messages that carry no code: node-postgres pool and client, ioredis. */
const OUTAGE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
];

export function isOutage(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 4) return false;
  if (error instanceof DependencyUnavailableError) return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && isPostgresOutage(code)))) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  if (OUTAGE_MESSAGES.some((m) => error.message.includes(m))) return true;
  // AggregateError (a pool that tried every address) and wrapped causes.
  if (error instanceof AggregateError && error.errors.some((e) => isOutage(e, depth + 1))) return true;
  return isOutage(error.cause, depth + 1);
}

/** What a terminal is told to wait before resending after an outage answer. */
export const OUTAGE_RETRY_AFTER_MS = 2_000;
