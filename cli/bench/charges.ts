/**
 * `fairway bench charges`: signed receipts in, durable charges out, per second — through the
 * store's own path (decode, reply cache, handler, signature check, ledger transaction, encoded
 * `charge` reply), without MQTT in the way. Both engines in one run: SQLite (WAL,
 * synchronous=FULL) and PostgreSQL — a durable throw-away server of its own unless
 * FAIRWAY_BENCH_PG_URL names one (charges-postgres.ts); the server's fsync and
 * synchronous_commit are printed with the figures, since they decide what a commit costs.
 *
 * Figures: `per_second_sqlite`, `per_second_postgres`, their ratio, and
 * `provider_row_lock_ms_per_group`: how long each capture group held the provider's account
 * row (the row every charge of that provider touches, so what bounds charges per provider
 * across broker nodes) — from when the server had locked it until the commit returned,
 * averaged over the run's groups (the ledger's `onHotRowLock` hook). Supporting: receipts per
 * group, the server's durability settings, and CPU per charge of this process (the store)
 * and of the PostgreSQL server when it is the bench's own — on a shared machine the rates
 * move with everyone else's load, CPU per charge much less.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { StoreService } from '../../broker/service/store-service.js';
import { openStoreData } from '../../broker/store-data.js';
import { OffloadCrypto } from '../../broker/crypto/offload-crypto.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';
import { FairwayError } from '../../sdk/errors.js';
import { freshClusterDatabase } from '../../sim/cluster/cluster-database.js';
import { benchPostgres, isDurable, type BenchPostgres } from './charges-postgres.js';
import { BENCH_PASSWORD, prepareCharges } from './charges-setup.js';
import { round3, type Figure } from './format.js';

const DEVICES = 50;
/** Receipts prepared per second of the run: more than either engine charges, so the workers never run dry. */
const RECEIPTS_PER_SECOND = 5_000;

export interface ChargesBenchOptions {
  /** The PostgreSQL to measure. Default FAIRWAY_BENCH_PG_URL; unset, a durable throw-away server. */
  postgresUrl: string | undefined;
  /** Receipts being handled at once: 64 terminals of a fleet sending receipts together. Default FAIRWAY_BENCH_IN_FLIGHT or 64. */
  inFlight: number;
  /** Progress and conditions (stderr by default). */
  log: (line: string) => void;
}

interface RunResult {
  perSecond: number;
  /** CPU this process (the store, its crypto worker included) used per charge, ms. */
  storeCpuMsPerCharge: number;
  /** CPU the PostgreSQL server's processes used per charge, ms, when the bench can see them. */
  serverCpuMsPerCharge?: number;
  /** Per committed capture group (PostgreSQL): how long it held the hot rows, ms. */
  hotLockMs: number[];
  charges: number;
}

export async function benchCharges(durationMs: number, overrides: Partial<ChargesBenchOptions> = {}): Promise<Figure[]> {
  const options: ChargesBenchOptions = {
    postgresUrl: process.env.FAIRWAY_BENCH_PG_URL || undefined,
    inFlight: Number(process.env.FAIRWAY_BENCH_IN_FLIGHT ?? 64),
    log: (line) => process.stderr.write(`charges: ${line}\n`),
    ...overrides,
  };
  if (!Number.isSafeInteger(options.inFlight) || options.inFlight < 1) throw new FairwayError('invalid-argument', `receipts in flight must be a positive integer, not ${options.inFlight}`);
  const { log } = options;
  log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${options.inFlight} receipts in flight, ${DEVICES} terminals`);
  const sqlite = await chargesPerSecond(undefined, durationMs, options.inFlight, undefined);
  log(`SQLite (WAL, synchronous=FULL): ${Math.round(sqlite.perSecond)} charges/s`);
  let server: BenchPostgres;
  try {
    server = await benchPostgres(options.postgresUrl, process.env.FAIRWAY_BENCH_PG_CPUS || undefined);
  } catch (error) {
    if (options.postgresUrl !== undefined) throw error; // the server it was told to measure: a failure to report, not to skip
    log(`PostgreSQL not measured, no server of its own could start (${error instanceof Error ? error.message : String(error)}); install PostgreSQL's server and run as root, or set FAIRWAY_BENCH_PG_URL`);
    return [
      { metric: 'per_second_sqlite', value: round3(sqlite.perSecond), unit: 'charges/s' },
      { metric: 'store_cpu_ms_per_charge_sqlite', value: round3(sqlite.storeCpuMsPerCharge), unit: 'ms' },
    ];
  }
  let postgres: RunResult;
  try {
    log(server.describe());
    if (!isDurable(server.conditions)) log('this server does not flush commits to disk: its figure is not one of durable charges');
    // A schema of its own, dropped after: a server given by URL may hold someone's data, and
    // a second run must not find the first one's store (its key, its ledger) there.
    const schema = await freshClusterDatabase(server.url);
    try {
      postgres = await chargesPerSecond(schema.url, durationMs, options.inFlight, server.cpuMs);
    } finally {
      await schema.drop();
    }
  } finally {
    await server.close();
  }
  const groups = postgres.hotLockMs.length;
  log(`PostgreSQL: ${Math.round(postgres.perSecond)} charges/s in ${groups} groups; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return [
    { metric: 'per_second_sqlite', value: round3(sqlite.perSecond), unit: 'charges/s' },
    { metric: 'per_second_postgres', value: round3(postgres.perSecond), unit: 'charges/s' },
    { metric: 'ratio_postgres_to_sqlite', value: round3(postgres.perSecond / sqlite.perSecond), unit: 'ratio' },
    { metric: 'provider_row_lock_ms_per_group', value: round3(groups === 0 ? 0 : postgres.hotLockMs.reduce((a, b) => a + b, 0) / groups), unit: 'ms' },
    { metric: 'receipts_per_group_postgres', value: round3(groups === 0 ? 0 : postgres.charges / groups), unit: 'receipts' },
    { metric: 'postgres_fsync_on', value: server.conditions.fsync === 'on' ? 1 : 0, unit: 'bool' },
    { metric: 'postgres_synchronous_commit_on', value: server.conditions.synchronousCommit === 'off' ? 0 : 1, unit: 'bool' },
    // CPU per charge: steadier than a rate when other work shares the machine.
    { metric: 'store_cpu_ms_per_charge_sqlite', value: round3(sqlite.storeCpuMsPerCharge), unit: 'ms' },
    { metric: 'store_cpu_ms_per_charge_postgres', value: round3(postgres.storeCpuMsPerCharge), unit: 'ms' },
    ...(postgres.serverCpuMsPerCharge !== undefined ? [{ metric: 'server_cpu_ms_per_charge_postgres', value: round3(postgres.serverCpuMsPerCharge), unit: 'ms' }] : []),
  ];
}

async function chargesPerSecond(databaseUrl: string | undefined, durationMs: number, inFlight: number, serverCpuMs: (() => number) | undefined): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fairway-bench-charges-'));
  const now = () => Date.now();
  const data = await openStoreData(dir, { ...(databaseUrl ? { databaseUrl } : {}), passwordParams: FAST_TEST_PARAMS, nowMs: now() });
  // The store's own Crypto: verification on a worker thread, as `fairway store serve` runs it.
  const crypto = new OffloadCrypto();
  try {
    const db = data.database.db;
    const { devices, receipts } = await prepareCharges(db, data.ledger, crypto, Math.max(200, Math.ceil((durationMs / 1000) * RECEIPTS_PER_SECOND)), DEVICES, now);
    let charges = 0;
    const hotLockMs: number[] = [];
    const ledger = { ...data.ledger, onHotRowLock: (heldMs: number) => hotLockMs.push(heldMs) };
    const service = new StoreService({ db, ledger, content: data.content, crypto, clock: { wallMs: now }, log: pino({ level: 'silent' }) });
    service.attach(async (_deviceId, type, payload) => {
      if (type === 'charge') charges++;
      else if (type !== 'login.ok') throw new Error(`unexpected ${type}: ${JSON.stringify(decodeMessage(payload, { direction: 'down' }))}`);
    });
    for (const device of devices) {
      service.onConnect(device);
      await service.onMessage(device, 'login', encodeMessage({ v: 1, t: 'login', rid: 0, user: device, password: BENCH_PASSWORD }));
    }
    const cpuBefore = process.cpuUsage();
    const serverCpuBefore = serverCpuMs?.();
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < receipts.length && performance.now() - started < durationMs) {
        const r = receipts[next++]!;
        await service.onMessage(r.device, 'receipt', r.bytes);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const serverCpu = serverCpuBefore === undefined ? undefined : serverCpuMs!() - serverCpuBefore;
    await service.close();
    const violations = await checkInvariants(data.ledger, now());
    if (violations.length > 0) throw new Error(`ledger invariants broken after the bench: ${JSON.stringify(violations.slice(0, 3))}`);
    return {
      perSecond: charges / seconds,
      storeCpuMsPerCharge: (cpu.user + cpu.system) / 1000 / charges,
      ...(serverCpu !== undefined ? { serverCpuMsPerCharge: serverCpu / charges } : {}),
      hotLockMs,
      charges,
    };
  } finally {
    await crypto.close();
    await data.close();
    await rm(dir, { recursive: true, force: true });
  }
}
