/**
 * A real, throw-away Mosquitto broker (Debian's `mosquitto`): the yardstick the fleet bench
 * holds the store's chunk path against [issue 12 §8] — a C broker that routes MQTT 3.1.1
 * pub/sub faster than aedes on the same machine. Started from its binary on a free loopback
 * port with a config of its own (anonymous clients, no persistence, no size cap beyond the
 * store's), ready once it accepts a TCP connection; its CPU use is read from /proc.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinary } from './find-binary.js';
import { freePort } from './free-port.js';
import { processCpuMs } from './proc-cpu.js';
import { spawnOwned, type OwnedProcess } from './owned-process.js';
import { waitReady } from './wait-ready.js';

export const MOSQUITTO_INSTALL_HINT = 'install the Mosquitto broker: apt-get install mosquitto (or run .ci/setup-mosquitto.sh)';

export interface MosquittoServer {
  readonly port: number;
  /** CPU ms the broker process has used so far (user + system). */
  cpuMs(): number;
  /** SIGTERM, then removes its folder. */
  stop(): Promise<void>;
}

function accepts(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => finish(true));
  });
}

export async function startMosquitto(options: { binary?: string; startTimeoutMs?: number } = {}): Promise<MosquittoServer> {
  const binary = findBinary('mosquitto', MOSQUITTO_INSTALL_HINT, options.binary ?? process.env['FAIRWAY_MOSQUITTO']);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'fairway-mosquitto-'));
  const config = join(dir, 'mosquitto.conf');
  await writeFile(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'log_dest stdout',
      'log_type error',
      'log_type warning',
      // As the store: a packet up to 1 MiB + 1 KiB, and no queue cap that would drop a QoS 0 burst.
      'message_size_limit 1049600',
      'max_queued_messages 0',
      '',
    ].join('\n'),
  );
  let proc: OwnedProcess | undefined = spawnOwned(binary, ['-c', config], { cwd: dir, scratchDir: dir });
  try {
    await waitReady(`mosquitto on port ${port}`, proc, () => accepts(port), options.startTimeoutMs ?? 10_000);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = proc.pid;
  return {
    port,
    cpuMs: () => processCpuMs(pid),
    async stop() {
      if (!proc) return;
      const stopping = proc;
      proc = undefined;
      await stopping.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
