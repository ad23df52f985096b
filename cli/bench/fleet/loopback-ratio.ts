/**
 * Store goodput against raw aedes, side by side. Both sides stay connected for the whole
 * measurement and take turns: a raw window, then a store window, for several rounds, each
 * window `durationMs` long after a short ramp-up and followed by a drain (nothing in flight
 * when the other side starts). The figure is the median of the rounds' ratios: on a shared
 * machine the load changes from second to second, and a ratio of two windows measured one
 * right after the other sees the same load far more often than two long runs minutes apart.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchTerminal } from './bench-terminal.js';
import type { BrokerHost } from './host-process.js';
import type { RawSubscriber } from './raw-subscriber.js';

/** One side of the comparison: something that makes its clients receive payload on demand. */
export interface StreamingSide {
  host: BrokerHost;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Payload bytes its clients have received so far. */
  receivedBytes(): number;
}

export interface SideFigures {
  /** Median over the rounds. */
  bytesPerS: number;
  /** Broker CPU milliseconds per MB (10^6 bytes) delivered, median over the rounds: steadier than throughput on a busy machine. */
  brokerMsPerMb: number;
  /** Mean over the rounds, in cores. */
  brokerCores: number;
  clientCores: number;
}

export interface RatioFigures {
  ratio: number;
  raw: SideFigures;
  store: SideFigures;
}

/** Ramp-up before each window: the first also warms the JIT of both processes. */
const FIRST_RAMP_MS = 1_000;
const RAMP_MS = 300;
/** A side is drained once no payload byte arrived for this long. */
const QUIET_MS = 200;
const DRAIN_LIMIT_MS = 10_000;

interface Window {
  bytesPerS: number;
  brokerCores: number;
  clientCores: number;
}

async function measureWindow(side: StreamingSide, rampMs: number, durationMs: number): Promise<Window> {
  await side.start();
  await sleep(rampMs);
  const start = { bytes: side.receivedBytes(), broker: await side.host.usage(), client: process.cpuUsage(), at: performance.now() };
  await sleep(durationMs);
  const bytes = side.receivedBytes();
  const broker = await side.host.usage();
  const client = process.cpuUsage(start.client);
  const seconds = (performance.now() - start.at) / 1000;
  await side.stop();
  await drain(side);
  return { bytesPerS: (bytes - start.bytes) / seconds, brokerCores: (broker.cpuMs - start.broker.cpuMs) / 1000 / seconds, clientCores: (client.user + client.system) / 1e6 / seconds };
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

export async function measureLoopbackRatio(raw: StreamingSide, store: StreamingSide, rounds: number, durationMs: number, log: (line: string) => void): Promise<RatioFigures> {
  const rawWindows: Window[] = [];
  const storeWindows: Window[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const ramp = round === 0 ? FIRST_RAMP_MS : RAMP_MS;
    const r = await measureWindow(raw, ramp, durationMs);
    const s = await measureWindow(store, ramp, durationMs);
    rawWindows.push(r);
    storeWindows.push(s);
    ratios.push(s.bytesPerS / r.bytesPerS);
    log(`round ${round + 1}/${rounds}: raw aedes ${(r.bytesPerS / 1e6).toFixed(1)} MB/s, store ${(s.bytesPerS / 1e6).toFixed(1)} MB/s, ratio ${(s.bytesPerS / r.bytesPerS).toFixed(3)}`);
  }
  return { ratio: median(ratios), raw: summarise(rawWindows), store: summarise(storeWindows) };
}

function summarise(windows: Window[]): SideFigures {
  const mean = (of: (w: Window) => number): number => windows.reduce((a, w) => a + of(w), 0) / windows.length;
  return {
    bytesPerS: median(windows.map((w) => w.bytesPerS)),
    brokerMsPerMb: median(windows.map((w) => (w.brokerCores * 1000) / (w.bytesPerS / 1e6))),
    brokerCores: mean((w) => w.brokerCores),
    clientCores: mean((w) => w.clientCores),
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The raw side: a bare aedes host publishing round robin to its subscribers while started. */
export function rawSide(host: BrokerHost, subscribers: RawSubscriber[], topics: string[], payloadBytes: number, inFlight: number): StreamingSide {
  return {
    host,
    start: () => host.pumpStart({ topics, payloadBytes, inFlight }),
    stop: () => host.pumpStop(),
    receivedBytes: () => subscribers.reduce((a, s) => a + s.receivedBytes, 0),
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
