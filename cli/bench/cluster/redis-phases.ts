/**
 * What terminal traffic costs the shared Redis, counted in commands (`INFO commandstats`,
 * redis-calls.ts) on one cluster node reached directly:
 * - per connect: N bare terminals connect (signed credential) and log in; then, apart, what
 *   their disconnects cost;
 * - per charge: N purchases of the one-chunk part by terminals already logged in — offer,
 *   the chunk, signed receipt, charge — the whole path a charge takes.
 * Whatever the cluster does on its own meanwhile (heartbeats, leases, health checks) is
 * measured in an idle window as long as each phase right after it (nothing of the phase left
 * in flight) and subtracted, so the figures are what the terminals caused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { NodeCrypto, SystemClock } from '../../../device/ports/node/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { receiptArtefact } from '../../../sdk/receipt/index.js';
import { BenchTerminal, type FleetDevice } from '../fleet/bench-terminal.js';
import { runLimited } from '../fleet/limited.js';
import type { BenchWorld } from './bench-world.js';
import { callsDelta, storeCalls, type RedisCallCounter } from './redis-calls.js';

export interface RedisPhaseFigures {
  perConnect: number;
  perDisconnect: number;
  perCharge: number;
  /** Calls per second the cluster made with no terminal traffic (the part subtracted). */
  backgroundPerS: number;
  connects: number;
  charges: number;
  /** Calls per command over the charges phase, for the log: where the cost goes. */
  chargeCommands: Map<string, number>;
  connectCommands: Map<string, number>;
}

const CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 60_000;

/** Redis calls during `work`, less the idle rate measured over as long just before it. */
async function callsDuring(counter: RedisCallCounter, work: () => Promise<void>): Promise<{ calls: number; backgroundPerS: number; commands: Map<string, number>; seconds: number }> {
  const workStart = await counter.stats();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  const workEnd = await counter.stats();
  // The idle window comes after, with nothing left in flight: as long as the work took, at least a second.
  const idleStart = await counter.stats();
  const idleFrom = performance.now();
  await sleep(Math.max(1_000, seconds * 1000));
  const idleEnd = await counter.stats();
  const idleSeconds = (performance.now() - idleFrom) / 1000;
  const backgroundPerS = (storeCalls(idleEnd) - storeCalls(idleStart)) / idleSeconds;
  const calls = storeCalls(workEnd) - storeCalls(workStart) - backgroundPerS * seconds;
  return { calls, backgroundPerS, commands: callsDelta(workStart, workEnd), seconds };
}

async function charge(terminal: BenchTerminal, world: BenchWorld, partHash: Uint8Array, crypto: NodeCrypto): Promise<void> {
  const transfer = await terminal.offer(world.tiny.partId);
  await fetchWhole(terminal, transfer, world.tiny.chunkCount);
  const device = terminal.device;
  const receipt = await receiptArtefact.sign(
    { v: 1, device: device.deviceId, user: device.userId, part: world.tiny.partId, partHash, transfer, price: world.tiny.priceMinor, nonce: crypto.randomBytes(16), time: Date.now() },
    device.signer,
    new TextEncoder().encode(device.deviceId),
  );
  await terminal.receipt(receipt);
}

/** Resolves once `chunkCount` chunks of `transfer` arrived (one pass, one window). */
function fetchWhole(terminal: BenchTerminal, transfer: Uint8Array, chunkCount: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = chunkCount;
    const timer = setTimeout(() => reject(new FairwayError('timeout', `${terminal.device.deviceId}: the part's chunks did not arrive within ${REQUEST_TIMEOUT_MS} ms`)), REQUEST_TIMEOUT_MS);
    terminal.onChunk = () => {
      if (--left > 0) return;
      clearTimeout(timer);
      terminal.onChunk = undefined;
      terminal.stopStreaming();
      resolve();
    };
    terminal.startStreaming({ transfer, chunkCount, windowChunks: chunkCount, windowsOutstanding: 1, onePass: true });
  });
}

export async function measureRedisPhases(counter: RedisCallCounter, port: number, world: BenchWorld, devices: readonly FleetDevice[], chargesPerTerminal: number, tinyPartHash: Uint8Array): Promise<RedisPhaseFigures> {
  const crypto = new NodeCrypto();
  const deps = { port, clock: new SystemClock(), crypto };
  const terminals: BenchTerminal[] = [];
  try {
    const connect = await callsDuring(counter, async () => {
      await runLimited(devices, CONCURRENCY, Number.POSITIVE_INFINITY, async (device) => {
        const terminal = await BenchTerminal.connect(device, deps);
        terminals.push(terminal);
        await terminal.login();
      });
    });
    const charges = await callsDuring(counter, async () => {
      // Each terminal buys one at a time (one open offer per device and part); terminals in parallel.
      await runLimited(terminals, CONCURRENCY, Number.POSITIVE_INFINITY, async (terminal) => {
        for (let i = 0; i < chargesPerTerminal; i++) await charge(terminal, world, tinyPartHash, crypto);
      });
    });
    const disconnect = await callsDuring(counter, async () => {
      await Promise.all(terminals.splice(0).map((t) => t.close()));
      // The node notices the disconnects after the sockets close: let it finish.
      await sleep(500);
    });
    return {
      perConnect: connect.calls / devices.length,
      perDisconnect: disconnect.calls / devices.length,
      perCharge: charges.calls / (devices.length * chargesPerTerminal),
      backgroundPerS: (connect.backgroundPerS + charges.backgroundPerS + disconnect.backgroundPerS) / 3,
      connects: devices.length,
      charges: devices.length * chargesPerTerminal,
      chargeCommands: charges.commands,
      connectCommands: connect.commands,
    };
  } finally {
    await Promise.all(terminals.map((t) => t.close().catch(() => undefined)));
  }
}
