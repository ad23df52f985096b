/**
 * The broker process of the fleet bench (forked by host-process.ts through host-entry.mjs,
 * with --expose-gc). In `store` mode it runs the real store (`startStore`, the same call as
 * `fairway store serve`) on a prepared data folder; in `raw` mode a bare aedes with no hooks
 * and no store, behind the same TCP listener — the yardsticks. The raw host serves both: it
 * publishes on request from inside the process (RawPump, the in-process yardstick), and it
 * takes the publisher clients of the pub/sub yardstick (publisher-host.ts, a process of their
 * own) as it takes the subscribers.
 * It answers memory questions after a forced GC, so the bench can weigh the broker alone.
 *
 * argv: <mode> [<dataDir>]. Talks only over the IPC channel (host-serve.ts); exits when the bench goes away.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Aedes } from 'aedes';
import { pino } from 'pino';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { listenMqttSocket, type Listener } from '../../../broker/transport/listeners.js';
import { FairwayError } from '../../../sdk/errors.js';
import { checkPumpStart, type HostMode, type HostRequest, type MemorySample, type PumpStart, type UsageSample } from './host-protocol.js';
import { benchChannel, serveBench } from './host-serve.js';

/** Same drain timeout as the store's broker, so a slow reader costs both the same. */
const DRAIN_TIMEOUT_MS = 2_000;

interface Host {
  port: number;
  connected(): number;
  pumpStart?(pump: PumpStart): void;
  pumpStop?(): void;
  close(): Promise<void>;
}

async function startStoreHost(dataDir: string): Promise<Host> {
  // Logs go to stdout, which the bench maps onto its stderr: warnings only (drain timeouts, failures).
  const store: RunningStore = await startStore({ dataDir, passwordParams: FAST_TEST_PARAMS, drainTimeoutMs: DRAIN_TIMEOUT_MS, logger: pino({ level: 'warn' }) });
  return { port: store.broker.ports.tcp, connected: () => store.broker.connectedCount(), close: () => store.close() };
}

/**
 * Publishes round robin over the topics with a fixed number of publishes in flight, like the
 * store's chunk pump. Each payload is a fresh copy, as a message parsed off a publisher's socket
 * would be: aedes alone, but not a broker replaying one buffer from cache.
 */
class RawPump {
  private running = false;
  private inFlight = 0;
  private next = 0;
  private spec: PumpStart | undefined;
  private template = Buffer.alloc(0);

  constructor(private readonly aedes: Aedes) {}

  start(spec: PumpStart): void {
    checkPumpStart(spec);
    this.spec = spec;
    this.template = Buffer.alloc(spec.payloadBytes, 0xa5);
    this.running = true;
    this.fill();
  }

  stop(): void {
    this.running = false;
  }

  private fill(): void {
    const spec = this.spec;
    while (this.running && spec && this.inFlight < spec.inFlight) {
      const topic = spec.topics[this.next++ % spec.topics.length]!;
      this.inFlight++;
      this.aedes.publish({ cmd: 'publish', topic, payload: Buffer.from(this.template), qos: 0, retain: false, dup: false }, () => {
        this.inFlight--;
        this.fill();
      });
    }
  }
}

async function startRawHost(): Promise<Host> {
  const aedes = await Aedes.createBroker({ drainTimeout: DRAIN_TIMEOUT_MS });
  let connected = 0;
  aedes.on('client', () => connected++);
  aedes.on('clientDisconnect', () => connected--);
  const listener: Listener = await listenMqttSocket({ host: '127.0.0.1', port: 0 }, ({ stream }) => aedes.handle(stream));
  const pump = new RawPump(aedes);
  return {
    port: listener.port,
    connected: () => connected,
    pumpStart: (spec) => pump.start(spec),
    pumpStop: () => pump.stop(),
    close: async () => {
      pump.stop();
      await listener.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}

async function memorySample(host: Host): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new FairwayError('invalid-argument', 'the broker host must run with --expose-gc');
  // Three times, with turns of the loop between, so objects freed by finalizers of the first pass go too.
  for (let i = 0; i < 3; i++) {
    gc();
    await nextTurn();
  }
  const usage = process.memoryUsage();
  return { rssBytes: usage.rss, heapUsedBytes: usage.heapUsed, externalBytes: usage.external, ...usageSample(host) };
}

function usageSample(host: Host): UsageSample {
  const cpu = process.cpuUsage();
  return { connected: host.connected(), cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function answer(host: Host, request: HostRequest): Promise<unknown> {
  switch (request.op) {
    case 'memory':
      return memorySample(host);
    case 'usage':
      return usageSample(host);
    case 'pump-start':
      if (!host.pumpStart) throw new FairwayError('invalid-argument', 'only a raw host publishes on request');
      host.pumpStart(request.pump);
      return null;
    case 'pump-stop':
      host.pumpStop?.();
      return null;
    case 'close':
      await host.close();
      return null;
  }
}

async function main(): Promise<void> {
  const send = benchChannel();
  const mode = process.argv[2] as HostMode | undefined;
  const dataDir = process.argv[3];
  if (mode !== 'store' && mode !== 'raw') throw new FairwayError('invalid-argument', `mode must be store or raw, not ${String(mode)}`);
  if (mode === 'store' && !dataDir) throw new FairwayError('invalid-argument', 'store mode needs a data folder');
  const host = mode === 'store' ? await startStoreHost(dataDir!) : await startRawHost();
  serveBench(send, host.port, (request) => answer(host, request));
}

main().catch((error: unknown) => {
  process.stderr.write(`fleet broker host failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
