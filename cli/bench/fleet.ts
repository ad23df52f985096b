/**
 * `fairway bench fleet`: how many terminals one broker process holds and serves.
 *
 * Where things run: the broker is a process of its own (fleet/broker-host.ts, forked with
 * --expose-gc): the real store through `startStore`, exactly what `fairway store serve` runs,
 * on a SQLite file. The terminals all run here, each a real MQTT-over-TCP client on 127.0.0.1
 * (the portable MqttClient over the Node port's TcpLink) that authenticates like a handheld:
 * enrolled Ed25519 key, fresh COSE credential, login. Two processes, so the broker's memory is
 * weighed with no client in it, and the clients get a core of their own. (The loopback
 * comparison adds two: a bare aedes host and the pub/sub yardstick's publishers.)
 *
 * Figures, all from one run:
 * - `connected`: terminals connected and logged in (login → login.ok) at once, at the end of
 *   the connect phase (no new CONNECT after `connectBudgetMs`, 150 s by default; 128 in
 *   progress at a time); `connected_peak` the most at any moment.
 * - `broker_bytes_per_terminal`: (broker RSS with them connected − RSS before) ÷ their number,
 *   both samples taken in the broker process after forced GCs. RSS, because it is what the
 *   operator's machine pays (heap, Buffers, sockets' user-space state); the JS share alone is
 *   `broker_heap_bytes_per_terminal` (heapUsed + external).
 * - `streaming`: with all of them still connected, this many send offer.get then keep two
 *   chunks.get windows outstanding; once each has had its first chunk, the figure is the
 *   fewest distinct terminals that received chunks in any one-second slot (at least 3 slots,
 *   `durationMs` in all): that many were downloading at the same time, throughout.
 * - `loopback_ratio_to_raw_aedes`: goodput (chunk payload bytes received per second) of 100
 *   terminals streaming at once ÷ raw aedes pub/sub throughput at the same payload size — the
 *   issue's own wording, so this is the headline: a bare aedes host, 100 subscribers at QoS 1
 *   (the same client type over the same transport as the terminals), and publisher clients
 *   (4, in a process of their own, fleet/publisher-host.ts) publishing 16 KiB QoS 0 messages
 *   (the QoS of `chunk`) round robin to them over loopback TCP, 64 publishes in flight like the
 *   store's chunk pump. Every byte crosses aedes the way an MQTT deployment's traffic does:
 *   parsed off a publisher's socket, then fanned out.
 * - `loopback_ratio_to_aedes_in_process_publish`: the same goodput ÷ the same bare aedes and
 *   subscribers, but publishing from inside the broker process (`aedes.publish`, no publisher
 *   client and no inbound parse). The stricter yardstick — aedes' fan-out alone, which is also
 *   how the store publishes chunks — kept in view beside the headline.
 *   Both ratios are measured first, with only those clients connected, in `ratioRounds` (5)
 *   rounds of three windows of `durationMs` each — in-process, store, pub/sub, so the store
 *   window sits next to both yardsticks (fleet/loopback-ratio.ts): each the median of the
 *   rounds' ratios.
 * Supporting figures say what limited these: logins per second, streaming MB/s and its slowest
 * terminal, each side's MB/s, CPU share (cores) of broker, clients (this process: subscribers
 * or terminals only) and publishers (their own process), and broker CPU per MB delivered — the
 * steadiest comparison when other work shares the machine.
 *
 * Then the phases of issue 12: a stalled reader among the streaming terminals
 * (`slow_consumer_*`, fleet/slow-consumer.ts), one terminal's abuse (`broker_rss_bytes_under_abuse`,
 * fleet/abuse.ts), and logins with production's password parameters beside resumptions with
 * tickets (`login_per_s_production`, `resume_per_s`, fleet/login-rates.ts).
 *
 * What differs from production: the fleet's users' passwords use the fast test scrypt
 * parameters (`login_per_s_scrypt_n` says which; production's cost ~30 × more per login and
 * would bound `login_per_s`, not the broker's memory — `login_per_s_production` is that
 * figure, measured apart); the part is free (price 0: offers still place a hold); terminals skip chunk
 * hashing and storage (their cost, not the broker's).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeCrypto, SystemClock } from '../../device/ports/node/index.js';
import { FairwayError } from '../../sdk/errors.js';
import { BenchTerminal, type FleetDevice, type TerminalDeps } from './fleet/bench-terminal.js';
import { CHUNK_BYTES, prepareFleetData, type FleetData } from './fleet/fleet-data.js';
import { BrokerHost } from './fleet/host-process.js';
import { runLimited } from './fleet/limited.js';
import { inProcessSide, measureLoopbackRatio, pubSubSide, storeSide, type RatioFigures, type RawYardstick } from './fleet/loopback-ratio.js';
import { PublisherHost } from './fleet/publisher-process.js';
import { RawSubscriber } from './fleet/raw-subscriber.js';
import { measureSlowConsumer } from './fleet/slow-consumer.js';
import { measureAbuse } from './fleet/abuse.js';
import { measureLoginRates } from './fleet/login-rates.js';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { startMosquittoYardstick, type MosquittoYardstick } from './fleet/mosquitto-side.js';
import { round3, type Figure } from './format.js';
import { checkOptions, fleetOptionsFromEnv, type FleetBenchOptions } from './fleet/options.js';

export { fleetOptionsFromEnv, type FleetBenchOptions } from './fleet/options.js';

/** CONNECTs (credential check, login with its KDF) in progress at once: a fleet arrives in waves. */
const CONNECT_CONCURRENCY = 128;
/** Offers placed at once during the streaming phase. */
const OFFER_CONCURRENCY = 128;
/** The store's chunk pump default; both raw yardsticks get the same. */
const PUMP_IN_FLIGHT = 64;
const SLOT_MS = 1_000;
/** File descriptors left for everything but the terminals' sockets. */
const SPARE_FILES = 256;

export async function benchFleet(durationMs: number, overrides: Partial<FleetBenchOptions> = {}): Promise<Figure[]> {
  const options: FleetBenchOptions = { ...fleetOptionsFromEnv(), ...overrides };
  checkOptions(durationMs, options);
  const log = options.log;
  const connectTarget = capByOpenFiles(options.connected, log);
  const root = await mkdtemp(join(tmpdir(), 'fairway-bench-fleet-'));
  const deps = { clock: new SystemClock(), crypto: new NodeCrypto() };
  let host: BrokerHost | undefined;
  let rawHost: BrokerHost | undefined;
  let publishers: PublisherHost | undefined;
  let mosquitto: MosquittoYardstick | undefined;
  const subscribers: RawSubscriber[] = [];
  const loopbackTerminals: BenchTerminal[] = [];
  let fleet: BenchTerminal[] = [];
  try {
    // One device more than the loopback terminals: the slow-consumer phase's stalled reader.
    const deviceCount = Math.max(connectTarget, options.loopbackTerminals + 1);
    // Throughput figures are only as steady as the machine: say how busy it was.
    log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; preparing ${deviceCount.toLocaleString('en-US')} users and enrolled terminals`);
    const data = await prepareFleetData(root, deviceCount, options.productionLogins);

    // Loopback comparison first, with only its own clients connected to either broker.
    rawHost = await BrokerHost.start('raw');
    host = await BrokerHost.start('store', data.dataDir);
    const store = { ...deps, port: host.port };
    const topics = Array.from({ length: options.loopbackTerminals }, (_, i) => `bench/raw/${i}`);
    await connectRawSubscribers(rawHost, deps.clock, topics, subscribers);
    publishers = await PublisherHost.start(rawHost.port, options.publisherClients);
    mosquitto = await startMosquittoYardstick(
      { topics, payloadBytes: CHUNK_BYTES, inFlight: PUMP_IN_FLIGHT, publisherClients: options.publisherClients, connectConcurrency: CONNECT_CONCURRENCY },
      deps.clock,
      log,
    );
    const streams = await connectLoopbackTerminals(store, data, options.loopbackTerminals, loopbackTerminals);
    log(
      `loopback: ${options.loopbackTerminals} raw subscribers (fed in-process, then by ${options.publisherClients} publisher clients) and ` +
        `${options.loopbackTerminals} terminals, ${CHUNK_BYTES / 1024} KiB payloads, ${PUMP_IN_FLIGHT} publishes in flight`,
    );
    const raw: RawYardstick = { host: rawHost, subscribers, topics, payloadBytes: CHUNK_BYTES, inFlight: PUMP_IN_FLIGHT };
    const loopback = await measureLoopbackRatio(
      { inProcess: inProcessSide(raw), pubSub: pubSubSide(raw, publishers), store: storeSide(host, streams, data.chunkCount), ...(mosquitto ? { mosquitto: mosquitto.side } : {}) },
      options.ratioRounds,
      durationMs,
      log,
    );
    await publishers.close();
    await Promise.all(subscribers.splice(0).map((s) => s.close()));
    await rawHost.close();
    await mosquitto?.close();
    mosquitto = undefined;
    const slowConsumer = await measureSlowConsumer(
      { host, deps: store, streams, stalledDevice: data.devices[options.loopbackTerminals]!, partId: data.partId, chunkCount: data.chunkCount },
      options.slowConsumerRounds,
      durationMs,
      log,
    );
    const abuse = await measureAbuse(host, loopbackTerminals[0]!, options.abuseRequests);
    log(`abuse: ${options.abuseRequests} distinct 256 KiB requests from one terminal (${mib(abuse.sentBytes)} MiB); broker RSS ${mib(abuse.rssBeforeBytes)} → ${mib(abuse.rssAfterBytes)} MiB`);
    const logins = await measureLoginRates(store, data.productionDevices, CONNECT_CONCURRENCY);
    log(
      `logins with production password parameters (scrypt N=2^15): ${logins.passwordPerS.toFixed(1)}/s; ` +
        `the same terminals resuming with their tickets: ${logins.resumePerS.toFixed(1)}/s (${data.productionDevices.length} terminals, ${logins.failures} failures)`,
    );
    // The memory baseline comes next: the broker must be done with these connections.
    await closeTerminals(host, loopbackTerminals.splice(0));

    const before = await host.memory();
    const connect = await connectFleet(store, data.devices.slice(0, connectTarget), options.connectBudgetMs, log);
    fleet = connect.terminals;
    const after = await host.memory();
    const connected = fleet.filter((t) => t.isOpen).length;
    const brokerCounted = Math.max(1, after.connected - before.connected);
    log(`${connected.toLocaleString('en-US')} connected and logged in; broker RSS ${mib(before.rssBytes)} → ${mib(after.rssBytes)} MiB`);

    if (options.streaming > connected) log(`only ${connected} terminals are connected, so only they can stream (${options.streaming} wanted)`);
    const streaming = await measureStreaming(
      fleet.filter((t) => t.isOpen).slice(0, options.streaming),
      data,
      durationMs,
      options.streamBudgetMs,
      log,
    );
    return [
      { metric: 'connected', value: connected, unit: 'terminals' },
      { metric: 'streaming', value: streaming.terminals, unit: 'terminals' },
      { metric: 'broker_bytes_per_terminal', value: Math.round((after.rssBytes - before.rssBytes) / brokerCounted), unit: 'bytes' },
      { metric: 'loopback_ratio_to_raw_aedes', value: round3(loopback.ratioToPubSub), unit: 'ratio' },
      { metric: 'loopback_ratio_to_aedes_in_process_publish', value: round3(loopback.ratioToInProcess), unit: 'ratio' },
      ...mosquittoFigures(loopback),
      { metric: 'slow_consumer_throughput_ratio', value: round3(slowConsumer.throughputRatio), unit: 'ratio' },
      { metric: 'slow_consumer_dropped_ms', value: Math.round(slowConsumer.droppedMs), unit: 'ms' },
      { metric: 'slow_consumer_not_dropped', value: slowConsumer.notDropped, unit: 'rounds' },
      { metric: 'broker_rss_bytes_under_abuse', value: abuse.rssAfterBytes, unit: 'bytes' },
      { metric: 'broker_rss_bytes_before_abuse', value: abuse.rssBeforeBytes, unit: 'bytes' },
      { metric: 'login_per_s_production', value: round3(logins.passwordPerS), unit: 'logins/s' },
      { metric: 'resume_per_s', value: round3(logins.resumePerS), unit: 'logins/s' },
      { metric: 'login_rate_failures', value: logins.failures, unit: 'terminals' },
      { metric: 'connected_peak', value: connect.peak, unit: 'terminals' },
      { metric: 'connect_failures', value: connect.failures, unit: 'terminals' },
      { metric: 'login_per_s', value: round3(connect.loggedIn / connect.seconds), unit: 'logins/s' },
      // Which scrypt cost login_per_s paid: the fast test parameters, not production's (login_per_s_production).
      { metric: 'login_per_s_scrypt_n', value: FAST_TEST_PARAMS.N, unit: 'N' },
      { metric: 'broker_heap_bytes_per_terminal', value: Math.round((after.heapUsedBytes + after.externalBytes - before.heapUsedBytes - before.externalBytes) / brokerCounted), unit: 'bytes' },
      { metric: 'broker_rss_bytes_connected', value: after.rssBytes, unit: 'bytes' },
      { metric: 'streaming_mb_per_s', value: round3(streaming.bytesPerS / 1e6), unit: 'MB/s' },
      { metric: 'streaming_slowest_kb_per_s', value: round3(streaming.slowestBytesPerS / 1e3), unit: 'kB/s' },
      { metric: 'loopback_mb_per_s', value: round3(loopback.store.bytesPerS / 1e6), unit: 'MB/s' },
      { metric: 'raw_aedes_pubsub_mb_per_s', value: round3(loopback.pubSub.bytesPerS / 1e6), unit: 'MB/s' },
      { metric: 'raw_aedes_in_process_mb_per_s', value: round3(loopback.inProcess.bytesPerS / 1e6), unit: 'MB/s' },
      { metric: 'loopback_broker_cpu_ms_per_mb', value: round3(loopback.store.brokerMsPerMb), unit: 'ms/MB' },
      { metric: 'raw_aedes_pubsub_broker_cpu_ms_per_mb', value: round3(loopback.pubSub.brokerMsPerMb), unit: 'ms/MB' },
      { metric: 'raw_aedes_in_process_broker_cpu_ms_per_mb', value: round3(loopback.inProcess.brokerMsPerMb), unit: 'ms/MB' },
      { metric: 'loopback_broker_cpu', value: round3(loopback.store.brokerCores), unit: 'cores' },
      { metric: 'raw_aedes_pubsub_broker_cpu', value: round3(loopback.pubSub.brokerCores), unit: 'cores' },
      { metric: 'raw_aedes_in_process_broker_cpu', value: round3(loopback.inProcess.brokerCores), unit: 'cores' },
      { metric: 'loopback_client_cpu', value: round3(loopback.store.clientCores), unit: 'cores' },
      { metric: 'raw_aedes_pubsub_client_cpu', value: round3(loopback.pubSub.clientCores), unit: 'cores' },
      { metric: 'raw_aedes_in_process_client_cpu', value: round3(loopback.inProcess.clientCores), unit: 'cores' },
      { metric: 'raw_aedes_pubsub_publisher_cpu', value: round3(loopback.pubSub.publisherCores), unit: 'cores' },
    ];
  } finally {
    log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}${fleet.length > 0 ? `; closing ${fleet.length.toLocaleString('en-US')} terminals` : ''}`);
    await publishers?.close();
    await Promise.all(subscribers.map((s) => s.close()));
    await rawHost?.close();
    await mosquitto?.close();
    if (host) await closeTerminals(host, [...loopbackTerminals, ...fleet]);
    await host?.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Each terminal is a socket here and one in the broker process; both share this limit. */
function capByOpenFiles(wanted: number, log: (line: string) => void): number {
  let limit: number | undefined;
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    limit = match ? Number(match[1]) : undefined;
  } catch {
    limit = undefined;
  }
  if (limit === undefined || wanted + SPARE_FILES <= limit) return wanted;
  const capped = Math.max(1, limit - SPARE_FILES);
  log(`ulimit -n is ${limit}: connecting ${capped} terminals, not ${wanted} (raise the limit for more)`);
  return capped;
}

async function connectRawSubscribers(host: BrokerHost, clock: SystemClock, topics: string[], into: RawSubscriber[]): Promise<void> {
  await runLimited(topics, CONNECT_CONCURRENCY, Number.POSITIVE_INFINITY, async (topic, i) => {
    into.push(await RawSubscriber.connect(host.port, clock, `raw-${i}`, topic));
  });
}

/** Connected, logged in, each holding an offer: ready to stream when the comparison says so. */
async function connectLoopbackTerminals(deps: TerminalDeps, data: FleetData, count: number, into: BenchTerminal[]): Promise<{ terminal: BenchTerminal; transfer: Uint8Array }[]> {
  await runLimited(data.devices.slice(0, count), CONNECT_CONCURRENCY, Number.POSITIVE_INFINITY, async (device) => {
    const terminal = await BenchTerminal.connect(device, deps);
    into.push(terminal);
    await terminal.login();
  });
  return Promise.all(into.map(async (terminal) => ({ terminal, transfer: await terminal.offer(data.partId) })));
}

interface ConnectedFleet {
  terminals: BenchTerminal[];
  loggedIn: number;
  peak: number;
  failures: number;
  seconds: number;
}

async function connectFleet(deps: TerminalDeps, devices: FleetDevice[], budgetMs: number, log: (line: string) => void): Promise<ConnectedFleet> {
  const terminals: BenchTerminal[] = [];
  let live = 0;
  let peak = 0;
  let failures = 0;
  const started = performance.now();
  const progress = setInterval(() => log(`connected ${live.toLocaleString('en-US')} of ${devices.length.toLocaleString('en-US')} (${Math.round((performance.now() - started) / 1000)} s)`), 5_000);
  try {
    const attempted = await runLimited(devices, CONNECT_CONCURRENCY, started + budgetMs, async (device) => {
      let terminal: BenchTerminal | undefined;
      try {
        terminal = await BenchTerminal.connect(device, deps);
        await terminal.login();
        if (!terminal.isOpen) throw new FairwayError('closed', `${device.deviceId}: closed right after login`);
        terminals.push(terminal);
        terminal.onClosed = () => live--;
        peak = Math.max(peak, ++live);
      } catch (error) {
        if (terminal) await terminal.close();
        if (++failures <= 5) log(`connect failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    if (attempted < devices.length) log(`the ${budgetMs / 1000} s connect budget ran out after ${attempted.toLocaleString('en-US')} attempts`);
    return { terminals, loggedIn: terminals.length, peak, failures, seconds };
  } finally {
    clearInterval(progress);
  }
}

interface Streaming {
  terminals: number;
  bytesPerS: number;
  slowestBytesPerS: number;
}

async function measureStreaming(candidates: BenchTerminal[], data: FleetData, durationMs: number, budgetMs: number, log: (line: string) => void): Promise<Streaming> {
  const deadline = performance.now() + budgetMs;
  log(`${candidates.length.toLocaleString('en-US')} terminals asking for offers`);
  const streams: { terminal: BenchTerminal; transfer: Uint8Array }[] = [];
  await runLimited(candidates, OFFER_CONCURRENCY, deadline, async (terminal) => {
    try {
      streams.push({ terminal, transfer: await terminal.offer(data.partId) });
    } catch (error) {
      log(`offer failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  const everSeen = new Set<BenchTerminal>();
  let slotSeen = new Set<BenchTerminal>();
  const onChunk = (t: BenchTerminal): void => {
    everSeen.add(t);
    slotSeen.add(t);
  };
  try {
    for (const { terminal, transfer } of streams) {
      terminal.onChunk = onChunk;
      // Small windows: with a thousand terminals served round robin each gets a few chunks a second.
      terminal.startStreaming({ transfer, chunkCount: data.chunkCount, windowChunks: 4, windowsOutstanding: 2 });
    }
    log(`${streams.length.toLocaleString('en-US')} terminals streaming; waiting for each one's first chunk`);
    while (everSeen.size < streams.length && performance.now() < deadline) await sleep(50);
    const before = streams.map((s) => s.terminal.receivedBytes);
    const startedAt = performance.now();
    const slots: number[] = [];
    const slotCount = Math.max(3, Math.ceil(durationMs / SLOT_MS));
    for (let i = 0; i < slotCount; i++) {
      slotSeen = new Set();
      await sleep(SLOT_MS);
      slots.push(slotSeen.size);
    }
    const seconds = (performance.now() - startedAt) / 1000;
    const gained = streams.map((s, i) => s.terminal.receivedBytes - before[i]!);
    log(`terminals receiving chunks per ${SLOT_MS} ms slot: ${slots.join(', ')}`);
    return {
      // Sustained, not a lucky moment: the fewest that received chunks in any slot.
      terminals: Math.min(...slots),
      bytesPerS: gained.reduce((a, b) => a + b, 0) / seconds,
      slowestBytesPerS: gained.length === 0 ? 0 : Math.min(...gained) / seconds,
    };
  } finally {
    for (const { terminal } of streams) {
      terminal.stopStreaming();
      terminal.onChunk = undefined;
    }
  }
}

/** Closes the terminals and waits (up to 60 s) until the broker has seen every one of them go. */
async function closeTerminals(host: BrokerHost, terminals: BenchTerminal[]): Promise<void> {
  await runLimited(terminals, 512, Number.POSITIVE_INFINITY, (t) => t.close());
  const deadline = performance.now() + 60_000;
  while ((await host.usage()).connected > 0 && performance.now() < deadline) await sleep(100);
}

/**
 * The Mosquitto yardstick's figures [issue 12 §8], when it ran: the store's goodput against it,
 * its own, its broker CPU per MB, and the store's broker CPU per MB over raw aedes pub/sub's
 * (goal ≤ 0.6: chunks cheaper than aedes routing them).
 */
function mosquittoFigures(loopback: RatioFigures): Figure[] {
  const cpuRatio = { metric: 'loopback_cpu_per_mb_ratio_to_raw_aedes', value: round3(loopback.store.brokerMsPerMb / loopback.pubSub.brokerMsPerMb), unit: 'ratio' };
  if (loopback.ratioToMosquitto === undefined || !loopback.mosquitto) return [cpuRatio];
  return [
    { metric: 'loopback_ratio_to_mosquitto', value: round3(loopback.ratioToMosquitto), unit: 'ratio' },
    cpuRatio,
    { metric: 'mosquitto_pubsub_mb_per_s', value: round3(loopback.mosquitto.bytesPerS / 1e6), unit: 'MB/s' },
    { metric: 'mosquitto_pubsub_broker_cpu_ms_per_mb', value: round3(loopback.mosquitto.brokerMsPerMb), unit: 'ms/MB' },
    { metric: 'mosquitto_pubsub_broker_cpu', value: round3(loopback.mosquitto.brokerCores), unit: 'cores' },
  ];
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
