/**
 * Which PostgreSQL the charges bench measures, and under what conditions. A charges-per-second
 * figure means nothing without them: with fsync off a commit costs no disk flush at all. So
 * by default the bench starts a throw-away server of its own with production's durability
 * (sim/servers/postgres.ts: fsync, synchronous_commit and full_page_writes on); with
 * FAIRWAY_BENCH_PG_URL it measures that server instead, and either way it asks the server
 * what it runs with (SHOW) and says so, in the log and as figures.
 */
import { FairwayError } from '../../sdk/errors.js';
import pg from 'pg';
import { startPostgres, type PostgresServer } from '../../sim/servers/postgres.js';

export interface BenchPostgres {
  url: string;
  /** What the server says: version, fsync, synchronous_commit, full_page_writes. */
  conditions: PostgresConditions;
  /** A one-line description for the log. */
  describe(): string;
  /** CPU the server's processes have used, ms — only for a server the bench started (one given by URL may be anywhere). */
  cpuMs?: () => number;
  /** Stops and removes a server the bench started; leaves one it was given alone. */
  close(): Promise<void>;
}

export interface PostgresConditions {
  version: string;
  fsync: string;
  synchronousCommit: string;
  fullPageWrites: string;
}

/**
 * `url` given: that server. Otherwise a durable throw-away one, removed by `close()`, kept on
 * `cpus` when given (FAIRWAY_BENCH_PG_CPUS: the database off the bench's cores, as on a host
 * of its own).
 */
export async function benchPostgres(url: string | undefined, cpus?: string): Promise<BenchPostgres> {
  if (url !== undefined && cpus !== undefined) throw new FairwayError('invalid-argument', 'FAIRWAY_BENCH_PG_CPUS pins the bench’s own PostgreSQL: it cannot go with FAIRWAY_BENCH_PG_URL', 'FAIRWAY_BENCH_PG_CPUS');
  let server: PostgresServer | undefined;
  if (url === undefined) server = await startPostgres({ durable: true });
  try {
    if (server && cpus !== undefined) server.pinTo(cpus);
    const target = url ?? server!.url;
    const conditions = await askConditions(target);
    const where = server ? `a throw-away server (sim/servers/postgres.ts, data in ${server.dataDir})${cpus !== undefined ? `, pinned to CPUs ${cpus}` : ''}` : `FAIRWAY_BENCH_PG_URL (${withoutPassword(target)})`;
    return {
      url: target,
      conditions,
      describe: () =>
        `PostgreSQL ${conditions.version}, ${where}: fsync=${conditions.fsync}, synchronous_commit=${conditions.synchronousCommit}, full_page_writes=${conditions.fullPageWrites}`,
      close: async () => server?.destroy(),
      ...(server ? { cpuMs: () => server.cpuMs() } : {}),
    };
  } catch (error) {
    await server?.destroy();
    throw error;
  }
}

/** A commit waits for its WAL to reach the disk iff fsync is on and synchronous_commit is not off. */
export function isDurable(conditions: PostgresConditions): boolean {
  return conditions.fsync === 'on' && conditions.synchronousCommit !== 'off';
}

async function askConditions(url: string): Promise<PostgresConditions> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const show = async (name: string) => String((await client.query<Record<string, unknown>>(`show ${name}`)).rows[0]?.[name] ?? '?');
    return { version: await show('server_version'), fsync: await show('fsync'), synchronousCommit: await show('synchronous_commit'), fullPageWrites: await show('full_page_writes') };
  } finally {
    await client.end();
  }
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable URL';
  }
}
