/**
 * A real, throw-away redis-server for tests and cluster simulations: started from its binary
 * on a free loopback port, with no persistence (nothing to clean but a temp folder), and
 * controllable the way fault tests need — stopped, SIGKILLed, started again on the same port
 * (clients configured with the URL reconnect to it), frozen with SIGSTOP (a Redis that holds
 * connections open but answers nothing, the nastier failure) and thawed with SIGCONT.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { HarnessError } from './harness-error.js';
import { spawnOwned, type OwnedProcess } from './owned-process.js';
import { waitReady } from './wait-ready.js';

export const REDIS_INSTALL_HINT = 'install redis-server: apt-get install redis-server (or run .ci/setup-cluster-tools.sh)';

export interface RedisHarnessOptions {
  /** Path to redis-server; default $FAIRWAY_REDIS_SERVER, else found on PATH. */
  binary?: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** How long to wait for PONG; default 10 000 ms. */
  startTimeoutMs?: number;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` — stays valid across stop()/start(). */
  readonly url: string;
  readonly port: number;
  running(): boolean;
  /** Starts it again on the same port (after stop or kill); resolves once it answers PING. */
  start(): Promise<void>;
  /** SIGTERM (a clean shutdown), then removes its folder. No-op when stopped. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, as clients see it. Removes its folder. No-op when stopped. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open, nothing is answered. */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

/** One PING over a fresh connection: true on `+PONG`. */
function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

export async function startRedis(options: RedisHarnessOptions = {}): Promise<RedisServer> {
  const binary = findBinary('redis-server', REDIS_INSTALL_HINT, options.binary ?? process.env['FAIRWAY_REDIS_SERVER']);
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let proc: OwnedProcess | undefined;
  let dir: string | undefined;

  const cleanUp = async (): Promise<void> => {
    proc = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  };

  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    running: () => proc !== undefined && !proc.hasExited(),

    async start() {
      if (server.running()) return;
      if (proc) await cleanUp(); // it exited on its own: drop the old folder
      // A fresh folder per run: with no persistence nothing in it outlives the process anyway.
      dir = await mkdtemp(join(tmpdir(), 'fairway-redis-'));
      const args = [
        '--port', String(port),
        '--bind', '127.0.0.1',
        '--save', '', // no RDB snapshots
        '--appendonly', 'no',
        '--dir', dir,
        '--daemonize', 'no',
        '--logfile', '', // stdout: captured for error messages
        '--loglevel', 'warning',
      ];
      const started = spawnOwned(binary, args, { cwd: dir, scratchDir: dir });
      proc = started;
      try {
        await waitReady(`redis-server on port ${port}`, started, () => ping(port), startTimeoutMs);
      } catch (error) {
        await cleanUp();
        throw error;
      }
    },

    async stop() {
      if (!proc) return;
      await proc.stop();
      await cleanUp();
    },

    async kill() {
      if (!proc) return;
      await proc.kill();
      await cleanUp();
    },

    pause() {
      if (!proc || proc.hasExited()) throw new HarnessError('not-running', `redis-server on port ${port} is not running`);
      proc.signalGroup('SIGSTOP');
    },

    resume() {
      if (!proc || proc.hasExited()) throw new HarnessError('not-running', `redis-server on port ${port} is not running`);
      proc.signalGroup('SIGCONT');
    },
  };
  await server.start();
  return server;
}
