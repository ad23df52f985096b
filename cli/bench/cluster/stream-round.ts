/**
 * One streaming round against one `fairway store serve` process: N bare terminals connect,
 * log in and take an offer for the streaming part (not measured), then all fetch every chunk
 * of it once, as fast as the store serves their windows; the serve process's CPU is read
 * from /proc just before the first window is asked for and just after the last chunk arrived.
 * The figure is that CPU per MB (10^6 bytes) of chunk payload delivered: a cost, which stays
 * comparable on a machine whose other load comes and goes, where throughput would not.
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

/** Chunks per chunks.get and windows kept outstanding: a real terminal's defaults on a fast link (1 MiB in flight). */
const WINDOW_CHUNKS = 32;
const WINDOWS_OUTSTANDING = 2;
const CONNECT_CONCURRENCY = 16;

export function cpuMsPerMb(result: StreamRoundResult): number {
  return result.cpuMs / (result.payloadBytes / 1e6);
}

export async function streamRound(target: StreamTarget, devices: readonly FleetDevice[], part: { partId: string; sizeBytes: number; chunkCount: number }, timeoutMs: number): Promise<StreamRoundResult> {
  const deps = { port: target.port, clock: new SystemClock(), crypto: new NodeCrypto() };
  const opened: BenchTerminal[] = [];
  const streams: { terminal: BenchTerminal; transfer: Uint8Array }[] = [];
  let timer: NodeJS.Timeout | undefined;
  try {
    await runLimited(devices, CONNECT_CONCURRENCY, Number.POSITIVE_INFINITY, async (device) => {
      const terminal = await BenchTerminal.connect(device, deps);
      opened.push(terminal);
      await terminal.login();
      streams.push({ terminal, transfer: await terminal.offer(part.partId) });
    });
    let done = 0;
    const finished = new Promise<void>((resolve) => {
      for (const { terminal } of streams) {
        const start = terminal.receivedBytes;
        let counted = false;
        terminal.onChunk = () => {
          if (counted || terminal.receivedBytes - start < part.sizeBytes) return;
          counted = true;
          if (++done === streams.length) resolve();
        };
      }
    });
    const before = streams.map((s) => s.terminal.receivedBytes);
    const cpuBefore = processCpuMs(target.pid);
    const started = performance.now();
    for (const { terminal, transfer } of streams) terminal.startStreaming({ transfer, chunkCount: part.chunkCount, windowChunks: WINDOW_CHUNKS, windowsOutstanding: WINDOWS_OUTSTANDING, onePass: true });
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
    if ((await Promise.race([finished, timedOut])) === 'timeout') {
      throw new FairwayError('timeout', `${done} of ${streams.length} terminals fetched the whole ${part.sizeBytes}-byte part within ${timeoutMs} ms`);
    }
    const cpuAfter = processCpuMs(target.pid);
    const seconds = (performance.now() - started) / 1000;
    const payloadBytes = streams.reduce((sum, s, i) => sum + s.terminal.receivedBytes - before[i]!, 0);
    return { cpuMs: cpuAfter - cpuBefore, payloadBytes, seconds };
  } finally {
    clearTimeout(timer);
    await Promise.all(opened.map((t) => t.close().catch(() => undefined)));
  }
}
