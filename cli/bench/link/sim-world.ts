/**
 * A small virtual-time world for the link and ttfp benches: the real store (aedes + store
 * service + SQLite, content served from memory, Ed25519 checked on this thread) on a SimClock,
 * and handhelds joined to it by modelled RadioLinks (sim/hal). Time only moves when the
 * program has nothing left to do (thread-pool work such as scrypt is waited for), so what the
 * benches measure is the protocol and the runtime on the modelled link, never the host's speed.
 *
 * One world per measurement: its own clock, store and temporary folder, so measurements taken
 * side by side in one run cannot disturb each other.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { enrolTerminal } from '../../../broker/directory/terminals.js';
import { addUser } from '../../../broker/directory/users.js';
import { adjustBalance } from '../../../broker/ledger/adjust.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { FairwayError } from '../../../sdk/errors.js';
import type { Hal } from '../../../sdk/hal/index.js';
import { SimClock, SimRandom, simHal, type RadioLink, type RadioProfile } from '../../../sim/hal/index.js';
import { NativeWork } from '../../../sim/runtime/native-work.js';
import { importCatalog } from '../../../sim/world/index.js';

/** Holds outlast the slowest download here (a stop-and-wait baseline at 600 ms RTT runs for many minutes). */
const BENCH_HOLD_MS = 6 * 60 * 60_000;
/** Every bench device's user can afford any bench title many times over. */
const BENCH_CREDIT_MINOR = 1_000_000;

export interface BenchDevice {
  deviceId: string;
  userId: string;
  password: string;
  hal: Hal;
  link: RadioLink;
  /** Virtual time the radio's Gilbert–Elliott chain starts at (its steps are counted from it). */
  radioOriginMs: number;
}

export class SimWorld {
  private devices = 0;

  private constructor(
    readonly time: SimClock,
    readonly store: RunningStore,
    private readonly random: SimRandom,
    private readonly native: NativeWork,
    private readonly root: string,
  ) {}

  static async start(seed: number): Promise<SimWorld> {
    const native = new NativeWork().enable();
    const time = new SimClock({ isBusy: () => native.inFlight > 0 });
    const root = await mkdtemp(join(tmpdir(), 'fairway-bench-link-'));
    try {
      const store = await startStore({
        dataDir: join(root, 'store'),
        clock: { wallMs: () => time.wallMs() },
        verifyOn: 'this-thread',
        contentInMemory: true,
        drainTimeoutMs: 2_000,
        passwordParams: FAST_TEST_PARAMS,
        config: { holdMs: BENCH_HOLD_MS },
        logger: pino({ level: 'silent' }),
      });
      return new SimWorld(time, store, SimRandom.fromSeed(seed), native, root);
    } catch (error) {
      native.disable();
      await rm(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** A folder for title files inside the world's temporary folder. */
  folder(name: string): string {
    return join(this.root, 'titles', name);
  }

  /**
   * Imports a title folder (or a folder of title folders) as an operator would, then loads the
   * new parts into the store's memory before time runs. Otherwise the first window of a part
   * starts one file read per chunk in flight, and they finish in whatever order the disk
   * answers: chunks would go out in a different order from run to run (the chunk pump sends
   * each chunk when its read completes).
   */
  async importTitles(folder: string): Promise<void> {
    await importCatalog(this.store, folder, this.time.wallMs());
    await this.store.content.pinInMemory();
  }

  /** A user with credit and an enrolled handheld on a radio with `profile`. Call before time runs. */
  async device(profile: RadioProfile, flashBytes: number): Promise<BenchDevice> {
    const n = ++this.devices;
    const deviceId = `hh-bench-${n}`;
    const userId = `bench-${n}`;
    const password = `bench-password-${n}`;
    const radioOriginMs = this.time.monotonicMs();
    const { hal, link } = simHal({
      time: this.time,
      random: this.random.fork(deviceId),
      profile,
      flashBytes,
      peerName: deviceId,
      attach: (stream: Duplex, peer: string) => this.store.broker.acceptStream(stream, peer),
    });
    const db = this.store.database.db;
    const nowMs = this.time.wallMs();
    await addUser(db, { id: userId, password }, nowMs, FAST_TEST_PARAMS);
    await enrolTerminal(db, { deviceId, userId, publicKey: hal.signer.publicKey }, nowMs);
    await adjustBalance(this.store.ledger, { userId, amountMinor: BENCH_CREDIT_MINOR, reason: 'bench credit', actor: 'bench', nowMs });
    return { deviceId, userId, password, hal, link, radioOriginMs };
  }

  /**
   * Runs virtual time until `done()` holds. Fails when nothing is left to happen first, or when
   * `limitMs` of virtual time pass: a bench that hangs says where.
   */
  async runUntil(done: () => boolean, limitMs: number, what: string): Promise<void> {
    const stop = await this.time.runUntil({ until: done, atMs: this.time.monotonicMs() + limitMs });
    if (stop !== 'condition') {
      throw new FairwayError('timeout', `${what}: not done after ${Math.round(this.time.monotonicMs())} ms of virtual time (the simulation ${stop === 'idle' ? 'went idle' : 'reached its limit'})`);
    }
  }

  /** Runs virtual time until `work` settles, and returns its outcome. */
  async settle<T>(work: Promise<T>, limitMs: number, what: string): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    await this.runUntil(() => settled, limitMs, what);
    return work;
  }

  async close(): Promise<void> {
    try {
      await this.store.close();
    } finally {
      this.native.disable();
      await rm(this.root, { recursive: true, force: true });
    }
  }
}
