/**
 * One streaming round against one or more `fairway store serve` processes at once: for each,
 * N bare terminals connect, log in and take an offer for the streaming part (not measured);
 * then all terminals of all processes fetch every chunk of it once, as fast as the stores
 * serve their windows. Each serve process's CPU is read from /proc just before the first
 * window is asked for and just after its last terminal has the whole part. The figure is that
 * CPU per MB (10^6 bytes) of chunk payload delivered: a cost, which stays comparable on a
 * machine whose other load comes and goes, where throughput would not.
 *
 * Streaming to the processes compared at the same moment means they share whatever else the
 * machine is doing; measured one after the other, a neighbour's burst lands on one side only.
 */
import { NodeCrypto, SystemClock } from '../../../device/ports/node/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { BenchTerminal, type FleetDevice } from '../fleet/bench-terminal.js';
import { runLimited } from '../fleet/limited.js';
import { processCpuMs } from './proc-cpu.js';

export interface StreamTarget {
  /** The serve process's MQTT port (the node itself, never a balancer: its CPU is what is read). */
  port: number;
  pid: number;
}

export interface StreamRoundResult {
  cpuMs: number;
  payloadBytes: number;
  seconds: number;
}

export interface StreamPart {
  partId: string;
  sizeBytes: number;
  chunkCount: number;
}

/** Chunks per chunks.get and windows kept outstanding: a real terminal's defaults on a fast link (1 MiB in flight). */
const WINDOW_CHUNKS = 32;
const WINDOWS_OUTSTANDING = 2;
const CONNECT_CONCURRENCY = 16;

export function cpuMsPerMb(result: StreamRoundResult): number {
  return result.cpuMs / (result.payloadBytes / 1e6);
}

interface Side {
  target: StreamTarget;
  streams: { terminal: BenchTerminal; transfer: Uint8Array }[];
}

/** Connected, logged in, each holding an offer: ready to stream. */
async function prepare(target: StreamTarget, devices: readonly FleetDevice[], part: StreamPart, opened: BenchTerminal[]): Promise<Side> {
  const deps = { port: target.port, clock: new SystemClock(), crypto: new NodeCrypto() };
  const streams: Side['streams'] = [];
  await runLimited(devices, CONNECT_CONCURRENCY, Number.POSITIVE_INFINITY, async (device) => {
    const terminal = await BenchTerminal.connect(device, deps);
    opened.push(terminal);
    await terminal.login();
    streams.push({ terminal, transfer: await terminal.offer(part.partId) });
  });
  return { target, streams };
}

/** Resolves with the side's figures once every one of its terminals has the whole part. */
function measure(side: Side, part: StreamPart): { started: () => void; result: Promise<StreamRoundResult> } {
  let cpuBefore = 0;
  let startedAt = 0;
  const before = side.streams.map((s) => s.terminal.receivedBytes);
  let done = 0;
  const result = new Promise<StreamRoundResult>((resolve) => {
    for (const [i, { terminal }] of side.streams.entries()) {
      let counted = false;
      terminal.onChunk = () => {
        if (counted || terminal.receivedBytes - before[i]! < part.sizeBytes) return;
        counted = true;
        if (++done < side.streams.length) return;
        const cpuMs = processCpuMs(side.target.pid) - cpuBefore;
        const payloadBytes = side.streams.reduce((sum, s, j) => sum + s.terminal.receivedBytes - before[j]!, 0);
        resolve({ cpuMs, payloadBytes, seconds: (performance.now() - startedAt) / 1000 });
      };
    }
  });
  return {
    started: () => {
      cpuBefore = processCpuMs(side.target.pid);
      startedAt = performance.now();
    },
    result,
  };
}

/** One round on every target at once; results in the order of `targets`. */
export async function streamRound(targets: readonly StreamTarget[], devices: readonly FleetDevice[], part: StreamPart, timeoutMs: number): Promise<StreamRoundResult[]> {
  const opened: BenchTerminal[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    const sides = await Promise.all(targets.map((target) => prepare(target, devices, part, opened)));
    const measured = sides.map((side) => measure(side, part));
    for (const m of measured) m.started();
    // Terminal by terminal across the sides, so that no side gets its windows asked first.
    for (let i = 0; i < devices.length; i++) {
      for (const side of sides) {
        const stream = side.streams[i];
        if (stream) stream.terminal.startStreaming({ transfer: stream.transfer, chunkCount: part.chunkCount, windowChunks: WINDOW_CHUNKS, windowsOutstanding: WINDOWS_OUTSTANDING, onePass: true });
      }
    }
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    const all = Promise.all(measured.map((m) => m.result));
    const outcome = await Promise.race([all, timedOut]);
    if (outcome === 'timeout') throw new FairwayError('timeout', `not every terminal fetched the whole ${part.sizeBytes}-byte part within ${timeoutMs} ms`);
    return outcome;
  } finally {
    clearTimeout(timer);
    await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
  }
}
