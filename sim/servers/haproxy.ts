/**
 * A real HAProxy in front of real Fairway nodes, for cluster tests and simulations: started
 * from its binary with the config haproxyConfig() writes, in master-worker mode so that
 * setServers() can reload it with a new node list the way an operator would (SIGUSR2 to the
 * master), plus a private admin socket to ask HAProxy which nodes it considers up.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { HarnessError } from './harness-error.js';
import { haproxyConfig, type HaproxyBackend, type HaproxyConfigInput } from './haproxy-config.js';
import { spawnOwned } from './owned-process.js';
import { waitReady } from './wait-ready.js';

export const HAPROXY_INSTALL_HINT = 'install haproxy: apt-get install haproxy (or run .ci/setup-cluster-tools.sh)';

export type HaproxyHarnessOptions = Omit<HaproxyConfigInput, 'listen' | 'adminSocket' | 'exclusivePort'> & {
  /** Path to haproxy; default $FAIRWAY_HAPROXY, else found on PATH or in /usr/sbin. */
  binary?: string;
  /** Frontend port on 127.0.0.1; default a free one. */
  port?: number;
  /** How long to wait for it to answer; default 10 000 ms. */
  startTimeoutMs?: number;
};

/** One node as HAProxy sees it: 'UP', 'DOWN', 'UP 1/2' (going down), 'DOWN 1/2' (coming up), 'MAINT', … */
export interface ServerState {
  name: string;
  status: string;
}

export interface HaproxyServer {
  /** Where terminals connect (127.0.0.1). */
  readonly port: number;
  /** The configuration it runs now (changes with setServers). */
  readonly configText: string;
  /** Reloads with a new node list; resolves once the new configuration serves. */
  setServers(backends: readonly HaproxyBackend[]): Promise<void>;
  /** The nodes and their health as HAProxy sees them now. */
  serverStates(): Promise<ServerState[]>;
  /** SIGTERM to master and workers, SIGKILL if they linger; removes its folder. Idempotent. */
  stop(): Promise<void>;
}

/** One command on HAProxy's admin socket; it answers and closes. */
function adminCommand(socketPath: string, command: string, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`admin socket: no answer to ${command}`)));
    socket.once('error', reject);
    socket.once('connect', () => socket.end(`${command}\n`));
    socket.on('data', (d: Buffer) => (reply += d.toString('utf8')));
    socket.once('close', (hadError) => {
      if (!hadError) resolve(reply);
    });
  });
}

/** The servers of the `fairway_nodes` backend from `show stat` (CSV with a `# ` header). */
function parseStat(csv: string): ServerState[] {
  const [header, ...rows] = csv.split('\n').filter((l) => l.length > 0);
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const px = columns.indexOf('pxname');
  const sv = columns.indexOf('svname');
  const st = columns.indexOf('status');
  return rows
    .map((r) => r.split(','))
    .filter((c) => c[px] === 'fairway_nodes' && c[sv] !== 'BACKEND')
    .map((c) => ({ name: c[sv] ?? '', status: c[st] ?? '' }));
}

export async function startHaproxy(options: HaproxyHarnessOptions): Promise<HaproxyServer> {
  const binary = findBinary('haproxy', HAPROXY_INSTALL_HINT, options.binary ?? process.env['FAIRWAY_HAPROXY']);
  const port = options.port ?? (await freePort());
  const dir = await mkdtemp(join(tmpdir(), 'fairway-haproxy-'));
  const configPath = join(dir, 'haproxy.cfg');
  const adminSocket = join(dir, 'admin.sock');
  const { binary: _b, port: _p, startTimeoutMs = 10_000, ...configOptions } = options;
  const render = (backends: readonly HaproxyBackend[]): string => haproxyConfig({ ...configOptions, backends, listen: { port }, adminSocket, exclusivePort: true });

  let configText: string;
  try {
    configText = render(options.backends);
    await writeFile(configPath, configText);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  // -W: master-worker (reload on SIGUSR2 re-reads the file); -db: stay in the foreground.
  const proc = spawnOwned(binary, ['-W', '-db', '-f', configPath], { cwd: dir, scratchDir: dir });
  // The master says these about each (re)load; reloads are judged by them and by a new worker
  // answering on the admin socket.
  const loads = proc.countLines(/Loading success/);
  const loadFailures = proc.countLines(/Loading failure/);
  const reloadsStarted = proc.countLines(/Reloading HAProxy/);
  const showStat = async (): Promise<ServerState[]> => parseStat(await adminCommand(adminSocket, 'show stat'));
  const workerPid = async (): Promise<string | undefined> => /^Pid: (\d+)$/m.exec(await adminCommand(adminSocket, 'show info'))?.[1];
  try {
    // The admin socket answers once a worker runs, and workers start after every bind succeeded.
    await waitReady(`haproxy on port ${port}`, proc, async () => loads() > 0 && (await showStat()).length > 0, startTimeoutMs);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  let stopped = false;
  const requireRunning = (): void => {
    if (stopped || proc.hasExited()) throw new HarnessError('not-running', `haproxy on port ${port} is not running:\n${proc.output()}`);
  };

  return {
    port,
    get configText() {
      return configText;
    },

    async setServers(backends) {
      requireRunning();
      const next = render(backends);
      await writeFile(configPath, next);
      const loadsBefore = loads();
      const failuresBefore = loadFailures();
      const startedBefore = reloadsStarted();
      const pidBefore = await workerPid();
      // HAProxy 2.6's master drops a SIGUSR2 that comes just after it printed "Loading
      // success" (seen on 2.6.12: its signal handling is not armed yet). So: signal, and signal
      // again until it says "Reloading HAProxy".
      let signalledAt = 0;
      const deadline = Date.now() + startTimeoutMs;
      for (;;) {
        requireRunning();
        if (reloadsStarted() === startedBefore && Date.now() - signalledAt > 250) {
          proc.signalLeader('SIGUSR2');
          signalledAt = Date.now();
        }
        if (loadFailures() > failuresBefore) throw new HarnessError('start-failed', `haproxy refused the new configuration:\n${proc.output()}`);
        if (loads() > loadsBefore) {
          const pid = await workerPid().catch(() => undefined);
          if (pid !== undefined && pid !== pidBefore) break;
        }
        if (Date.now() > deadline) throw new HarnessError('start-failed', `haproxy did not reload within ${startTimeoutMs} ms:\n${proc.output()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      configText = next;
    },

    async serverStates() {
      requireRunning();
      return showStat();
    },

    async stop() {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
