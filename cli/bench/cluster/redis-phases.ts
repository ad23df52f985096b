/**
 * What terminal traffic costs the shared Redis, counted in operations (round trips, a script
 * one) and in commands (Redis's own count, a script's inner commands included; redis-calls.ts)
 * on one cluster node reached directly:
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

/** One phase's cost per terminal action, both ways. */
export interface PhaseCost {
  operations: number;
  commands: number;
  /** Operations per command name over the phase, for the log: where the cost goes. */
  operationsByCommand: Map<string, number>;
}

export interface RedisPhaseFigures {
  perConnect: PhaseCost;
  perDisconnect: PhaseCost;
  perCharge: PhaseCost;
  /** Operations per second the cluster made with no terminal traffic (the part subtracted). */
  backgroundOperationsPerS: number;
  connects: number;
  charges: number;
}

const CONCURRENCY = 16;
const REQUEST_TIMEOUT_MS = 60_000;

interface Reading {
  commands: number;
  operations: number;
  byCommand: Map<string, number>;
  atMs: number;
}

async function read(counter: RedisCallCounter): Promise<Reading> {
  const commands = storeCalls(await counter.stats());
  const byCommand = await counter.operations();
  let operations = 0;
  for (const n of byCommand.values()) operations += n;
  return { commands, operations, byCommand, atMs: performance.now() };
}

/** Redis operations and commands during `work`, less the idle rate measured over as long right after it. */
async function costOf(counter: RedisCallCounter, work: () => Promise<void>, per: number): Promise<{ cost: PhaseCost; backgroundOperationsPerS: number }> {
  const start = await read(counter);
  await work();
  const end = await read(counter);
  const seconds = (end.atMs - start.atMs) / 1000;
  // The idle window comes after, with nothing left in flight: as long as the work took, at least a second.
  await sleep(Math.max(1_000, seconds * 1000));
  const idle = await read(counter);
  const idleSeconds = (idle.atMs - end.atMs) / 1000;
  const background = { operations: (idle.operations - end.operations) / idleSeconds, commands: (idle.commands - end.commands) / idleSeconds };
  return {
    cost: {
      operations: (end.operations - start.operations - background.operations * seconds) / per,
      commands: (end.commands - start.commands - background.commands * seconds) / per,
      operationsByCommand: callsDelta(start.byCommand, end.byCommand),
    },
    backgroundOperationsPerS: background.operations,
  };
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
    const connect = await costOf(
      counter,
      async () => {
        await runLimited(devices, CONCURRENCY, Number.POSITIVE_INFINITY, async (device) => {
          const terminal = await BenchTerminal.connect(device, deps);
          terminals.push(terminal);
          await terminal.login();
        });
      },
      devices.length,
    );
    const charges = devices.length * chargesPerTerminal;
    const charged = await costOf(
      counter,
      async () => {
        // Each terminal buys one at a time (one open offer per device and part); terminals in parallel.
        await runLimited(terminals, CONCURRENCY, Number.POSITIVE_INFINITY, async (terminal) => {
          for (let i = 0; i < chargesPerTerminal; i++) await charge(terminal, world, tinyPartHash, crypto);
        });
      },
      charges,
    );
    const disconnect = await costOf(
      counter,
      async () => {
        await Promise.all(terminals.splice(0).map((t) => t.close()));
        // The node notices the disconnects after the sockets close: let it finish.
        await sleep(500);
      },
      devices.length,
    );
    return {
      perConnect: connect.cost,
      perDisconnect: disconnect.cost,
      perCharge: charged.cost,
      backgroundOperationsPerS: (connect.backgroundOperationsPerS + charged.backgroundOperationsPerS + disconnect.backgroundOperationsPerS) / 3,
      connects: devices.length,
      charges,
    };
  } finally {
    await Promise.all(terminals.map((t) => t.close().catch(() => undefined)));
  }
}
