/**
 * A throw-away PostgreSQL server of our own, for benches and fault tests: Debian's binaries
 * (/usr/lib/postgresql/<version>/bin) run as the `postgres` OS user on a free loopback port
 * over a fresh data folder in the temp directory. Durable by default (fsync, synchronous
 * commit and full-page writes on, as a production server runs), so a figure measured against
 * it is a figure about durable charges; `durable: false` trades that for speed.
 *
 * The shared test cluster (.ci/setup-postgres.sh) cannot serve here: it runs with fsync off,
 * and a fault test must be free to stop, kill or freeze its server without hurting anyone
 * else's. Here `stop()` is a clean (fast) shutdown, `kill()` a SIGKILL of the postmaster and
 * every backend at once (a crash: the next `start()` runs WAL recovery), `pause()`/`resume()`
 * freeze and thaw them all (a hung server: connections stay open, nothing answers), and
 * `start()` brings the same data folder back on the same port. `destroy()` stops it and
 * removes the folder; a process exiting without it still kills the server and removes it.
 *
 * We run as root and PostgreSQL refuses root, hence `runuser -u postgres --` and a folder
 * owned by postgres. runuser forks the postmaster and waits for it. Every backend makes
 * itself a session leader (PostgreSQL's InitPostmasterChild calls setsid), so a process-group
 * signal would miss them: kill and pause address the postmaster and its children by pid.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { childrenOf, processCpuMs } from './proc-cpu.js';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const PG_ROOT = '/usr/lib/postgresql';
const OS_USER = 'postgres';
/** The superuser initdb creates; the URL logs in as it. */
const ROLE = 'fairway';
/** Lines of server log kept for error messages. */
const LOG_LINES = 40;

export interface PostgresServerOptions {
  /** Default true: fsync, synchronous_commit and full_page_writes on. false: all three off. */
  durable?: boolean;
  /** A major version under /usr/lib/postgresql; default the newest installed. */
  version?: string;
  /** Where the temp folder goes; default the OS temp directory (it must be on a real disk for `durable` to mean anything). */
  parentDir?: string;
  /** More server settings, `-c name=value` each. */
  settings?: Record<string, string>;
  /** How long a start may take before it fails. Default 30 s. */
  startTimeoutMs?: number;
}

export interface PostgresServer {
  /** postgres://fairway:<password>@127.0.0.1:<port>/postgres */
  readonly url: string;
  readonly port: number;
  readonly version: string;
  readonly durable: boolean;
  /** The cluster's data folder (inside the temp folder `destroy()` removes). */
  readonly dataDir: string;
  readonly running: boolean;
  /** Starts it again on the same data folder and port, after `stop()` or `kill()`; resolves once it accepts connections. */
  start(): Promise<void>;
  /** A clean fast shutdown: connections are closed, a shutdown checkpoint written, the data kept. */
  stop(): Promise<void>;
  /** SIGKILL to the postmaster and every backend at once: a crash. The data folder stays; `start()` recovers it. */
  kill(): Promise<void>;
  /**
   * Keeps the server on these CPUs (a `taskset` list such as "1" or "2-3"): the postmaster and
   * its running children, and so every backend it starts later. For benches that must keep the
   * database off the cores the measured process uses, as on a host of its own.
   */
  pinTo(cpus: string): void;
  /** SIGSTOP to every server process: it neither answers nor closes connections until `resume()`. */
  pause(): void;
  resume(): void;
  /** The last lines the server logged (for a failing test's message). */
  log(): string;
  /**
   * CPU time the running server has used, ms: the postmaster, its live children (backends,
   * WAL writer, checkpointer…) and the children it already reaped. For benches, which
   * compare it before and after a run: a CPU figure stays steady on a busy machine where a
   * rate does not. 0 when it is not running.
   */
  cpuMs(): number;
  /** Kills it if running and removes its temp folder. Idempotent; the server cannot start again. */
  destroy(): Promise<void>;
}

/** The newest installed major version, or undefined when PostgreSQL's server binaries are not installed. */
export function installedPostgresVersion(): string | undefined {
  if (!existsSync(PG_ROOT)) return undefined;
  const versions = readdirSync(PG_ROOT).filter((v) => /^\d+$/.test(v) && existsSync(join(PG_ROOT, v, 'bin', 'postgres')));
  return versions.sort((a, b) => Number(a) - Number(b)).at(-1);
}

/** initdb + start. Resolves once the server accepts connections at `url`. */
export async function startPostgres(options: PostgresServerOptions = {}): Promise<PostgresServer> {
  const version = options.version ?? installedPostgresVersion();
  if (version === undefined) throw new Error(`no PostgreSQL server binaries under ${PG_ROOT} (apt-get install postgresql)`);
  if (process.getuid?.() !== 0) throw new Error('starting PostgreSQL as the postgres user (runuser) needs root');
  const bin = join(PG_ROOT, version, 'bin');
  const { uid, gid } = osUser(OS_USER);
  const durable = options.durable ?? true;

  const root = await mkdtemp(join(options.parentDir ?? tmpdir(), 'fairway-pg-'));
  const cluster = new Cluster(root, bin, version, durable, options);
  liveClusters.add(cluster);
  try {
    // The temp folder is root's (0700): postgres must be able to enter it, and own what is inside.
    await chmod(root, 0o755);
    const dataDir = join(root, 'data');
    const socketDir = join(root, 'socket');
    await mkdir(dataDir, { mode: 0o700 });
    await mkdir(socketDir, { mode: 0o700 });
    const passwordFile = join(root, 'password');
    await writeFile(passwordFile, `${cluster.password}\n`, { mode: 0o600 });
    for (const path of [dataDir, socketDir, passwordFile]) await chown(path, uid, gid);
    const initdb = spawnSync(
      'runuser',
      ['-u', OS_USER, '--', join(bin, 'initdb'), '-D', dataDir, '-U', ROLE, `--pwfile=${passwordFile}`, '--auth-local=peer', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', ...(durable ? [] : ['--no-sync'])],
      { encoding: 'utf8' },
    );
    await rm(passwordFile);
    if (initdb.status !== 0) throw new Error(`initdb failed (${initdb.status ?? initdb.signal}): ${initdb.stderr || initdb.error?.message}`);
    cluster.port = await freeLoopbackPort();
    await cluster.start();
    return cluster;
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
}

class Cluster implements PostgresServer {
  port = 0;
  readonly password = randomBytes(18).toString('base64url');
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private logTail: string[] = [];
  private destroyed = false;

  constructor(
    private readonly root: string,
    private readonly bin: string,
    readonly version: string,
    readonly durable: boolean,
    private readonly options: PostgresServerOptions,
  ) {}

  get url(): string {
    return `postgres://${ROLE}:${this.password}@127.0.0.1:${this.port}/postgres`;
  }

  get dataDir(): string {
    return join(this.root, 'data');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    if (this.destroyed) throw new Error('this PostgreSQL server was destroyed');
    if (this.child) throw new Error('this PostgreSQL server is already running');
    const onOff = this.durable ? 'on' : 'off';
    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      port: String(this.port),
      unix_socket_directories: join(this.root, 'socket'),
      fsync: onOff,
      synchronous_commit: onOff,
      full_page_writes: onOff,
      logging_collector: 'off',
      ...this.options.settings,
    };
    const args = ['-u', OS_USER, '--', join(this.bin, 'postgres'), '-D', this.dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
    // detached: out of our process group, so a Ctrl-C meant for us does not reach the server
    // behind our back; the exit hook below still takes it down with us.
    const child = spawn('runuser', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      if (this.child === child) this.child = undefined;
    });
    for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => this.remember(chunk.toString()));
    try {
      await this.waitUntilReady(this.options.startTimeoutMs ?? 30_000);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    this.resume(); // a frozen server could not shut down
    // SIGINT to the postmaster is PostgreSQL's "fast" shutdown (SIGTERM would be "smart": it waits for every client to leave).
    const pid = this.postmasterPid();
    if (pid !== undefined) signal(pid, 'SIGINT');
    else if (this.child.pid !== undefined) signal(this.child.pid, 'SIGTERM'); // not up yet: runuser passes it on
    await this.exited;
  }

  async kill(): Promise<void> {
    if (!this.child) return;
    this.killSync();
    await this.exited;
  }

  pinTo(cpus: string): void {
    if (!/^[0-9,-]+$/.test(cpus)) throw new Error(`a CPU list is digits, commas and dashes ("1", "2-3"), not ${JSON.stringify(cpus)}`);
    for (const pid of this.serverPids()) {
      const pinned = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
      if (pinned.status !== 0) throw new Error(`taskset -c ${cpus} on PostgreSQL process ${pid} failed: ${pinned.stderr.trim() || pinned.error?.message}`);
    }
  }

  pause(): void {
    // The postmaster first, so it starts no new backend while they are being frozen.
    for (const pid of this.serverPids()) signal(pid, 'SIGSTOP');
  }

  resume(): void {
    for (const pid of this.serverPids()) signal(pid, 'SIGCONT');
    this.continueRunuser();
  }

  log(): string {
    return this.logTail.join('\n');
  }

  cpuMs(): number {
    const [postmaster, ...children] = this.serverPids();
    if (postmaster === undefined) return 0;
    return processCpuMs(postmaster, true) + children.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.kill();
    await rm(this.root, { recursive: true, force: true });
    liveClusters.delete(this);
  }

  /** For the exit hook: nothing asynchronous can run there. */
  destroySync(): void {
    this.killSync();
    rmSync(this.root, { recursive: true, force: true });
  }

  /** The postmaster stopped first (so it neither respawns nor reacts), then it and every child killed at once. */
  private killSync(): void {
    const pids = this.serverPids();
    if (pids[0] !== undefined) signal(pids[0], 'SIGSTOP');
    for (const pid of pids) signal(pid, 'SIGKILL');
    // runuser reaps the postmaster and then exits, which is what `exited` waits for; killing
    // runuser too would leave a dead postmaster's pid unreaped, and a restart would take it
    // for a live one. Only a postmaster that never wrote its pid file needs runuser killed.
    if (pids.length === 0 && this.child?.pid !== undefined) signal(this.child.pid, 'SIGKILL');
    this.continueRunuser();
  }

  /** runuser stops itself when its child is stopped (as su does) and must be continued to go on waiting for it. */
  private continueRunuser(): void {
    if (this.child?.pid !== undefined) signal(this.child.pid, 'SIGCONT');
  }

  /** The postmaster and its children (backends, checkpointer, WAL writer…), postmaster first; empty when not running. */
  private serverPids(): number[] {
    const postmaster = this.postmasterPid();
    if (postmaster === undefined || !this.child) return [];
    return [postmaster, ...childrenOf(postmaster)];
  }

  private remember(text: string): void {
    this.logTail.push(...text.split('\n').filter((l) => l.length > 0));
    if (this.logTail.length > LOG_LINES) this.logTail.splice(0, this.logTail.length - LOG_LINES);
  }

  private postmasterPid(): number | undefined {
    try {
      const pid = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  /** "Ready" means a login over TCP with the URL's password works, not just a listening socket. */
  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`PostgreSQL exited while starting:\n${this.log()}`);
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1_000 });
      try {
        await client.connect();
        await client.query('select 1');
        return;
      } catch (error) {
        last = error;
      } finally {
        await client.end().catch(() => {});
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`PostgreSQL did not accept connections within ${timeoutMs} ms (${String(last)}):\n${this.log()}`);
  }
}

/** Servers not yet destroyed: a process that exits without destroying them leaves no server or folder behind. */
const liveClusters = new Set<Cluster>();
process.once('exit', () => {
  for (const cluster of liveClusters) cluster.destroySync();
});

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error; // already gone is fine
  }
}

function osUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => {
    const out = spawnSync('id', [flag, name], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`no OS user ${name} (is PostgreSQL installed?)`);
    return Number(out.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

/** A port nobody listens on right now (the OS picks it); the server binds it a moment later. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
