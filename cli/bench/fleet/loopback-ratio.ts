/**
 * Store goodput against raw aedes, side by side, with two yardsticks. Three sides stay
 * connected for the whole measurement and take turns, each window `durationMs` long after a
 * short ramp-up and followed by a drain (nothing in flight when the next side starts):
 * - in-process: a bare aedes host publishing from inside its own process (no publisher client,
 *   no inbound parse) — aedes' fan-out alone, the stricter yardstick;
 * - pub/sub: the same bare aedes and the same subscribers, fed by publisher clients over
 *   loopback TCP from a process of their own — "raw aedes pub/sub", the headline yardstick;
 * - store: terminals streaming from the real store.
 * Each round runs in-process, store, pub/sub, so the store window sits right next to both of
 * its yardsticks. The figures are the medians of the rounds' ratios: on a shared machine the
 * load changes from second to second, and a ratio of two windows measured one right after the
 * other sees the same load far more often than two long runs minutes apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchTerminal } from './bench-terminal.js';
import type { BrokerHost } from './host-process.js';
import type { UsageSample } from './host-protocol.js';
import type { PublisherHost } from './publisher-process.js';
import type { RawSubscriber } from './raw-subscriber.js';

/** A process whose CPU use can be read: a broker host, the publisher host. */
export interface CpuMeter {
  usage(): Promise<UsageSample>;
}

/** One side of the comparison: something that makes its clients receive payload on demand. */
export interface StreamingSide {
  /** The broker process serving the side. */
  host: CpuMeter;
  /** The pub/sub side's publisher process, weighed apart from the broker and the bench. */
  publishers?: CpuMeter;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Payload bytes its clients have received so far. */
  receivedBytes(): number;
}

export interface LoopbackSides {
  inProcess: StreamingSide;
  pubSub: StreamingSide;
  store: StreamingSide;
  /** The same pub/sub through Debian's Mosquitto instead of aedes [issue 12 §8]; absent when Mosquitto is not installed. */
  mosquitto?: StreamingSide;
}

export interface SideFigures {
  /** Median over the rounds. */
  bytesPerS: number;
  /** Broker CPU milliseconds per MB (10^6 bytes) delivered, median over the rounds: steadier than throughput on a busy machine. */
  brokerMsPerMb: number;
  /** Mean over the rounds, in cores. */
  brokerCores: number;
  /** This (the bench) process: subscribers or terminals. */
  clientCores: number;
  /** The publisher process, mean over the rounds; 0 for a side without one. */
  publisherCores: number;
}

export interface RatioFigures {
  /** Store ÷ raw aedes pub/sub, median of the rounds' ratios: the headline. */
  ratioToPubSub: number;
  /** Store ÷ aedes publishing in-process, median of the rounds' ratios. */
  ratioToInProcess: number;
  /** Store ÷ Mosquitto pub/sub, median of the rounds' ratios, when measured. */
  ratioToMosquitto?: number;
  inProcess: SideFigures;
  pubSub: SideFigures;
  store: SideFigures;
  mosquitto?: SideFigures;
}

/** Ramp-up before each window: the first also warms the JIT of every process. */
const FIRST_RAMP_MS = 1_000;
const RAMP_MS = 300;
/** A side is drained once no payload byte arrived for this long. */
const QUIET_MS = 200;
const DRAIN_LIMIT_MS = 10_000;

interface Window {
  bytesPerS: number;
  brokerCores: number;
  clientCores: number;
  publisherCores: number;
}

async function measureWindow(side: StreamingSide, rampMs: number, durationMs: number): Promise<Window> {
  await side.start();
  await sleep(rampMs);
  // The other processes' CPU first (an IPC round trip each), then this process's figures at once.
  const processes = async (): Promise<{ brokerMs: number; publisherMs: number }> => {
    const [broker, publishers] = await Promise.all([side.host.usage(), side.publishers?.usage()]);
    return { brokerMs: broker.cpuMs, publisherMs: publishers?.cpuMs ?? 0 };
  };
  const before = await processes();
  const start = { bytes: side.receivedBytes(), client: process.cpuUsage(), at: performance.now() };
  await sleep(durationMs);
  const after = await processes();
  const bytes = side.receivedBytes();
  const client = process.cpuUsage(start.client);
  const seconds = (performance.now() - start.at) / 1000;
  await side.stop();
  await drain(side);
  return {
    bytesPerS: (bytes - start.bytes) / seconds,
    brokerCores: (after.brokerMs - before.brokerMs) / 1000 / seconds,
    clientCores: (client.user + client.system) / 1e6 / seconds,
    publisherCores: (after.publisherMs - before.publisherMs) / 1000 / seconds,
  };
}

async function drain(side: StreamingSide): Promise<void> {
  const limit = performance.now() + DRAIN_LIMIT_MS;
  let last = side.receivedBytes();
  for (;;) {
    await sleep(QUIET_MS);
    const now = side.receivedBytes();
    if (now === last || performance.now() > limit) return;
    last = now;
  }
}

export async function measureLoopbackRatio(sides: LoopbackSides, rounds: number, durationMs: number, log: (line: string) => void): Promise<RatioFigures> {
  const windows = { inProcess: [] as Window[], pubSub: [] as Window[], store: [] as Window[], mosquitto: [] as Window[] };
  const toPubSub: number[] = [];
  const toInProcess: number[] = [];
  const toMosquitto: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const ramp = round === 0 ? FIRST_RAMP_MS : RAMP_MS;
    const inProcess = await measureWindow(sides.inProcess, ramp, durationMs);
    const store = await measureWindow(sides.store, ramp, durationMs);
    const pubSub = await measureWindow(sides.pubSub, ramp, durationMs);
    windows.inProcess.push(inProcess);
    windows.store.push(store);
    windows.pubSub.push(pubSub);
    toPubSub.push(store.bytesPerS / pubSub.bytesPerS);
    toInProcess.push(store.bytesPerS / inProcess.bytesPerS);
    const mosquitto = sides.mosquitto ? await measureWindow(sides.mosquitto, ramp, durationMs) : undefined;
    if (mosquitto) {
      windows.mosquitto.push(mosquitto);
      toMosquitto.push(store.bytesPerS / mosquitto.bytesPerS);
    }
    log(
      `round ${round + 1}/${rounds}: store ${mbPerS(store)} MB/s; raw aedes pub/sub ${mbPerS(pubSub)} MB/s (ratio ${toPubSub.at(-1)!.toFixed(3)}), ` +
        `in-process publish ${mbPerS(inProcess)} MB/s (ratio ${toInProcess.at(-1)!.toFixed(3)})` +
        (mosquitto ? `, Mosquitto pub/sub ${mbPerS(mosquitto)} MB/s (ratio ${toMosquitto.at(-1)!.toFixed(3)})` : ''),
    );
  }
  return {
    ratioToPubSub: median(toPubSub),
    ratioToInProcess: median(toInProcess),
    ...(sides.mosquitto ? { ratioToMosquitto: median(toMosquitto), mosquitto: summarise(windows.mosquitto) } : {}),
    inProcess: summarise(windows.inProcess),
    pubSub: summarise(windows.pubSub),
    store: summarise(windows.store),
  };
}

function mbPerS(window: Window): string {
  return (window.bytesPerS / 1e6).toFixed(1);
}

function summarise(windows: Window[]): SideFigures {
  const mean = (of: (w: Window) => number): number => windows.reduce((a, w) => a + of(w), 0) / windows.length;
  return {
    bytesPerS: median(windows.map((w) => w.bytesPerS)),
    brokerMsPerMb: median(windows.map((w) => (w.brokerCores * 1000) / (w.bytesPerS / 1e6))),
    brokerCores: mean((w) => w.brokerCores),
    clientCores: mean((w) => w.clientCores),
    publisherCores: mean((w) => w.publisherCores),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** What both raw sides share: a bare aedes host and subscribers, one per topic. */
export interface RawYardstick {
  host: BrokerHost;
  subscribers: RawSubscriber[];
  topics: string[];
  payloadBytes: number;
  /** Publishes in flight at once, as the store's chunk pump allows. */
  inFlight: number;
}

function subscribersReceived(raw: Pick<RawYardstick, 'subscribers'>): () => number {
  return () => raw.subscribers.reduce((a, s) => a + s.receivedBytes, 0);
}

/** The in-process side: the bare aedes host publishes round robin to its subscribers from inside its own process. */
export function inProcessSide(raw: RawYardstick): StreamingSide {
  const pump = { topics: raw.topics, payloadBytes: raw.payloadBytes, inFlight: raw.inFlight };
  return {
    host: raw.host,
    start: () => raw.host.pumpStart(pump),
    stop: () => raw.host.pumpStop(),
    receivedBytes: subscribersReceived(raw),
  };
}

/** The pub/sub side: publisher clients, connected to the same bare aedes host (or to Mosquitto), publish round robin to the same subscribers. */
export function pubSubSide(raw: Omit<RawYardstick, 'host'> & { host: CpuMeter }, publishers: PublisherHost): StreamingSide {
  const pump = { topics: raw.topics, payloadBytes: raw.payloadBytes, inFlight: raw.inFlight };
  return {
    host: raw.host,
    publishers,
    start: () => publishers.pumpStart(pump),
    stop: () => publishers.pumpStop(),
    receivedBytes: subscribersReceived(raw),
  };
}

/** The store side: terminals holding offers keep windows outstanding while started. */
export function storeSide(host: BrokerHost, streams: { terminal: BenchTerminal; transfer: Uint8Array }[], chunkCount: number): StreamingSide {
  return {
    host,
    start: async () => {
      for (const { terminal, transfer } of streams) terminal.startStreaming({ transfer, chunkCount, windowChunks: 16, windowsOutstanding: 2 });
    },
    stop: async () => {
      for (const { terminal } of streams) terminal.stopStreaming();
    },
    receivedBytes: () => streams.reduce((a, s) => a + s.terminal.receivedBytes, 0),
  };
}
