/**
 * This node's wall clock against the database's [issue 11 §3]. Nodes compare times they did
 * not measure themselves — hold expiry, credential windows, heartbeats — so a node whose clock
 * is far off would expire holds early or accept stale credentials. The database is the one
 * clock every node can see, so each node measures itself against it: at start (refusing to
 * run when it is too far off) and then every minute (a gauge and a warning; a running node
 * does not stop over it, since stopping would drop every terminal it serves).
 */
import { performance } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { DialectName } from '../db/open.js';
import type { Schema } from '../db/schema.js';

/** Default largest |skew| a node may start with. */
export const MAX_CLOCK_SKEW_MS = 1_000;
/** How often a running node measures again. */
export const SKEW_RECHECK_MS = 60_000;
/** Samples per measurement: the one with the shortest round trip wins. */
const SAMPLES = 5;

export interface SkewMeasurement {
  /** This node's clock minus the database's: positive when this node runs ahead. */
  skewMs: number;
  /** Round trip of the sample used; the measurement is good to about half of it. */
  roundTripMs: number;
}

/** Refused at start: the clock is further from the database's than the limit allows. */
export class ClockSkewError extends Error {
  override readonly name = 'ClockSkewError';
  constructor(
    readonly skewMs: number,
    readonly limitMs: number,
  ) {
    super(
      `this node's clock is ${Math.abs(Math.round(skewMs))} ms ${skewMs > 0 ? 'ahead of' : 'behind'} the database's (limit ${limitMs} ms): ` +
        'synchronise it (NTP, chrony) before starting the node',
    );
  }
}

/** The database server's clock now, ms since the epoch. */
export async function databaseNowMs(db: Kysely<Schema>, dialect: DialectName): Promise<number> {
  // clock_timestamp(), not now(): now() is the start of the transaction, not the present.
  const query =
    dialect === 'postgres'
      ? sql<{ ms: number | string }>`select (extract(epoch from clock_timestamp()) * 1000)::float8 as ms`
      : sql<{ ms: number | string }>`select (julianday('now') - 2440587.5) * 86400000.0 as ms`;
  const { rows } = await query.execute(db);
  const ms = Number(rows[0]?.ms);
  if (!Number.isFinite(ms)) throw new Error(`the database returned no usable time (${String(rows[0]?.ms)})`);
  return ms;
}

/**
 * The database's answer is taken to describe the middle of the round trip (the usual NTP
 * assumption), and of several samples the one with the shortest round trip is kept: a slow
 * sample's midpoint guess can be off by up to half of its round trip.
 */
export async function measureClockSkew(db: Kysely<Schema>, dialect: DialectName, wallMs: () => number, samples = SAMPLES): Promise<SkewMeasurement> {
  let best: SkewMeasurement | undefined;
  for (let i = 0; i < samples; i++) {
    const sentWall = wallMs();
    const sent = performance.now();
    const dbMs = await databaseNowMs(db, dialect);
    const roundTripMs = performance.now() - sent;
    const skewMs = sentWall + roundTripMs / 2 - dbMs;
    if (!best || roundTripMs < best.roundTripMs) best = { skewMs, roundTripMs };
  }
  return best!;
}

export interface SkewMonitorOptions {
  db: Kysely<Schema>;
  dialect: DialectName;
  wallMs: () => number;
  log: Logger;
  limitMs?: number;
  recheckMs?: number;
}

/** Measures once at start (throwing ClockSkewError over the limit), then every recheckMs. */
export class ClockSkewMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last: SkewMeasurement | undefined;
  readonly limitMs: number;

  constructor(private readonly options: SkewMonitorOptions) {
    this.limitMs = options.limitMs ?? MAX_CLOCK_SKEW_MS;
  }

  /** The latest measurement's skew, ms (0 before the first). */
  get skewMs(): number {
    return this.last?.skewMs ?? 0;
  }

  async checkAtStart(): Promise<SkewMeasurement> {
    const measured = await this.measure();
    if (Math.abs(measured.skewMs) > this.limitMs) throw new ClockSkewError(measured.skewMs, this.limitMs);
    this.options.log.info({ skewMs: Math.round(measured.skewMs), roundTripMs: Math.round(measured.roundTripMs) }, 'clock checked against the database');
    return measured;
  }

  start(): void {
    this.timer = setInterval(() => void this.recheck(), this.options.recheckMs ?? SKEW_RECHECK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async measure(): Promise<SkewMeasurement> {
    this.last = await measureClockSkew(this.options.db, this.options.dialect, this.options.wallMs);
    return this.last;
  }

  private async recheck(): Promise<void> {
    try {
      const { skewMs } = await this.measure();
      if (Math.abs(skewMs) > this.limitMs) {
        this.options.log.warn({ skewMs: Math.round(skewMs), limitMs: this.limitMs }, 'clock skew against the database is over the limit: synchronise this host (the node keeps running)');
      }
    } catch (e) {
      this.options.log.warn({ err: e }, 'could not measure clock skew (database unreachable?)');
    }
  }
}
