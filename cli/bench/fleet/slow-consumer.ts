/**
 * A stalled reader among streaming terminals [issue 12 §7]: what it costs the others, and
 * how soon the store drops it. Each round takes two windows of `durationMs` back to back with
 * the same terminals streaming from the store: one as they are, one while an extra terminal
 * — logged in, asking for big chunk windows — has stopped reading its socket (paused, as a
 * handheld whose app froze: it neither reads nor closes). The figures:
 * - `throughputRatio`: the streaming terminals' goodput with the stalled reader ÷ without,
 *   median of the rounds (≥ 0.9 is the goal: a stalled reader costs the others nothing);
 * - `droppedMs`: from the moment it stopped reading until the store no longer counts it
 *   connected, the longest of the rounds — its socket buffers fill first (milliseconds at
 *   these rates), then the broker's drain timeout (2 s) runs;
 * - `notDropped`: rounds in which it was still connected `DROP_WAIT_MS` after it stopped
 *   reading (must be 0: dropped every time).
 */
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchTerminal, type FleetDevice, type TerminalDeps } from './bench-terminal.js';
import type { BrokerHost } from './host-process.js';

export interface SlowConsumerFigures {
  throughputRatio: number;
  droppedMs: number;
  notDropped: number;
  /** Per round, for the log. */
  rounds: { baselineBytesPerS: number; stalledBytesPerS: number; droppedMs: number | undefined }[];
}

/** Ramp-up before a window is counted. */
const RAMP_MS = 300;
/** How long a stalled reader may stay connected before the round counts it as not dropped. */
const DROP_WAIT_MS = 15_000;
const POLL_MS = 25;
/**
 * The stalled reader's ask: 16 windows of up to 64 chunks × 16 KiB, up to 16 MiB — far more than
 * the loopback socket buffers between it and the broker hold when it reads nothing (a 4 MiB
 * send buffer at most, and a receive buffer that grows only while its owner reads). A reader
 * that asked for less than its buffers hold costs the broker nothing more to send, and is
 * cut by its keep-alive instead.
 */
const STALL_WINDOW_CHUNKS = 64;
const STALL_WINDOWS = 16;

export interface SlowConsumerSetup {
  host: BrokerHost;
  deps: TerminalDeps;
  /** Terminals streaming the part (logged in, offered). */
  streams: { terminal: BenchTerminal; transfer: Uint8Array }[];
  /** An enrolled device none of them uses: the stalled reader, reconnected each round. */
  stalledDevice: FleetDevice;
  partId: string;
  chunkCount: number;
}

export async function measureSlowConsumer(setup: SlowConsumerSetup, rounds: number, durationMs: number, log: (line: string) => void): Promise<SlowConsumerFigures> {
  const results: SlowConsumerFigures['rounds'] = [];
  const received = () => setup.streams.reduce((sum, s) => sum + s.terminal.receivedBytes, 0);
  const window = async (): Promise<number> => {
    const before = received();
    const started = performance.now();
    await sleep(durationMs);
    return ((received() - before) * 1000) / (performance.now() - started);
  };
  for (const { terminal, transfer } of setup.streams) terminal.startStreaming({ transfer, chunkCount: setup.chunkCount, windowChunks: 16, windowsOutstanding: 2 });
  try {
    await sleep(RAMP_MS);
    for (let round = 0; round < rounds; round++) {
      const baselineBytesPerS = await window();
      const stall = await stallOneReader(setup);
      const stalledBytesPerS = await window();
      const droppedMs = await stall.dropped;
      results.push({ baselineBytesPerS, stalledBytesPerS, droppedMs });
      log(
        `slow consumer, round ${round + 1}: ${mb(baselineBytesPerS)} MB/s without a stalled reader, ${mb(stalledBytesPerS)} MB/s with one; ` +
          (droppedMs === undefined ? `it was still connected after ${DROP_WAIT_MS} ms` : `it was dropped ${Math.round(droppedMs)} ms after it stopped reading`),
      );
    }
  } finally {
    for (const { terminal } of setup.streams) terminal.stopStreaming();
  }
  const ratios = results.map((r) => r.stalledBytesPerS / r.baselineBytesPerS).sort((a, b) => a - b);
  const dropped = results.flatMap((r) => (r.droppedMs === undefined ? [] : [r.droppedMs]));
  return {
    throughputRatio: ratios[Math.floor(ratios.length / 2)] ?? 0,
    droppedMs: dropped.length === 0 ? DROP_WAIT_MS : Math.max(...dropped),
    notDropped: results.length - dropped.length,
    rounds: results,
  };
}

/**
 * Connects the stalled reader, has it ask for big windows, and stops its reading at its first
 * chunk. `dropped` resolves with the ms from then until the store dropped it (undefined if it
 * had not after DROP_WAIT_MS); the socket is destroyed either way.
 */
async function stallOneReader(setup: SlowConsumerSetup): Promise<{ dropped: Promise<number | undefined> }> {
  let socket: Socket | undefined;
  const terminal = await BenchTerminal.connect(setup.stalledDevice, setup.deps, (s) => (socket = s));
  await terminal.login();
  const transfer = await terminal.offer(setup.partId);
  const connectedBefore = (await setup.host.usage()).connected;
  const stoppedAt = await new Promise<number>((resolve) => {
    terminal.onChunk = () => {
      terminal.onChunk = undefined;
      if (socket) stopReading(socket);
      resolve(performance.now());
    };
    terminal.startStreaming({ transfer, chunkCount: setup.chunkCount, windowChunks: STALL_WINDOW_CHUNKS, windowsOutstanding: STALL_WINDOWS });
  });
  const dropped = (async () => {
    try {
      while (performance.now() - stoppedAt < DROP_WAIT_MS) {
        if ((await setup.host.usage()).connected < connectedBefore) return performance.now() - stoppedAt;
        await sleep(POLL_MS);
      }
      return undefined;
    } finally {
      terminal.stopStreaming();
      socket?.destroy();
    }
  })();
  return { dropped };
}

/**
 * The socket reads nothing more, as under a frozen app. The client's connection resumes the
 * socket whenever its read loop asks for bytes (socket-connection.ts), so resuming is what
 * is switched off; the bytes already read stay unprocessed.
 */
function stopReading(socket: Socket): void {
  socket.pause();
  socket.resume = () => socket;
}

function mb(bytesPerS: number): string {
  return (bytesPerS / 1e6).toFixed(1);
}
