/**
 * `--redis-url` checked before anything connects: ioredis reads almost any string as some
 * host, so a typo would surface as an endless reconnect loop instead of a refusal at start.
 */

export class RedisUrlError extends Error {
  override readonly name = 'RedisUrlError';
  constructor(
    /** The URL with any password masked. */
    readonly url: string,
    readonly detail: string,
  ) {
    super(`not a Redis URL (${url}): ${detail}; expected redis://[user:password@]host[:port][/db] or rediss://…`);
  }
}

export interface RedisLocation {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  username?: string;
  password?: string;
  /** For logs: scheme, host, port and db; never the password. */
  display: string;
}

function masked(url: string): string {
  return url.replace(/\/\/([^@/]*):[^@/]*@/, '//$1:***@');
}

export function parseRedisUrl(url: string): RedisLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RedisUrlError(masked(url), 'cannot be parsed');
  }
  const shown = masked(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new RedisUrlError(shown, `scheme ${parsed.protocol} is neither redis: nor rediss:`);
  if (parsed.hostname === '') throw new RedisUrlError(shown, 'no host');
  if (parsed.search !== '' || parsed.hash !== '') throw new RedisUrlError(shown, 'query strings and fragments are not understood');
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) throw new RedisUrlError(shown, `database ${JSON.stringify(dbText)} is not a number`);
  const db = dbText === '' ? 0 : Number(dbText);
  const tls = parsed.protocol === 'rediss:';
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
  return {
    host,
    port,
    db,
    tls,
    ...(parsed.username !== '' ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password !== '' ? { password: decodeURIComponent(parsed.password) } : {}),
    display: `${parsed.protocol}//${parsed.host}/${db}`,
  };
}
