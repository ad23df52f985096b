/**
 * The real terminal runtime (createTerminal, default download settings) on a bench device, with
 * the moments the benches time taken from its own events: when it asked for its first window
 * of a part (the download's first progress event is emitted as its first chunks.get goes out,
 * at the same virtual instant), when a part's last chunk was stored, when it began to play a
 * part. The executor plays every part in no time and always goes on, so a title runs straight
 * through to its last part: what is timed is the wire and the runtime, not the game.
 */
import type { DownloadConfig } from '../../../device/download/download-config.js';
import type { Executor } from '../../../device/executor/index.js';
import { createTerminal, type Terminal } from '../../../device/terminal.js';
import { FairwayError } from '../../../sdk/errors.js';
import type { BenchDevice, SimWorld } from './sim-world.js';

export interface PartTimes {
  /** Virtual time of the first chunks.get for the part. */
  firstRequestMs: number;
  /** Virtual time its last chunk was stored. */
  lastChunkMs: number | null;
  /** Virtual time it began to play. */
  playMs: number | null;
  sizeBytes: number;
  chunkBytes: number;
  /** Most chunks the downloader kept in flight for it. */
  windowChunksMax: number;
  /** Chunks that arrived again after they were stored (asked for twice). */
  duplicateChunks: number;
  /** Chunks the downloader asked for more than once. */
  resentChunks: number;
}

const instantExecutor: Executor = {
  play: async () => ({ results: {}, continue: true }),
};

export class BenchTerminal {
  readonly parts = new Map<string, PartTimes>();
  /** Virtual time start() was called: the handheld was switched on. */
  readonly startedMs: number;
  /** Parts charged, in order. */
  readonly charged: string[] = [];
  private readonly failures: string[] = [];

  private constructor(
    readonly terminal: Terminal,
    private readonly world: SimWorld,
  ) {
    this.startedMs = world.time.monotonicMs();
    const time = world.time;
    terminal.on('progress', (p) => {
      let times = this.parts.get(p.part);
      if (!times) {
        times = { firstRequestMs: time.monotonicMs(), lastChunkMs: null, playMs: null, sizeBytes: p.totalBytes, chunkBytes: p.chunkBytes, windowChunksMax: 0, duplicateChunks: 0, resentChunks: 0 };
        this.parts.set(p.part, times);
      }
      times.windowChunksMax = Math.max(times.windowChunksMax, p.windowChunks);
      times.resentChunks = p.resentChunks;
      if (times.lastChunkMs === null && p.receivedChunks === p.totalChunks) times.lastChunkMs = time.monotonicMs();
    });
    terminal.on('chunk', (c) => {
      const times = this.parts.get(c.part);
      if (times && c.outcome === 'duplicate') times.duplicateChunks++;
    });
    terminal.on('play', (p) => {
      const times = this.parts.get(p.part);
      if (times && times.playMs === null) times.playMs = time.monotonicMs();
    });
    terminal.on('charged', (c) => void this.charged.push(c.part));
    terminal.on('state', (s) => {
      if (s.state.startsWith('failed.')) this.failures.push(`${s.state}: ${s.context.failure?.message ?? ''}`);
    });
  }

  /**
   * Switches the handheld on: it connects, logs in and loads the menu by itself. The benches
   * use the default download settings; `download` is there to try a change against them.
   */
  static async start(world: SimWorld, device: BenchDevice, download: Partial<DownloadConfig> = {}): Promise<BenchTerminal> {
    const terminal = createTerminal(device.hal, {
      deviceId: device.deviceId,
      user: device.userId,
      password: device.password,
      storePublicKey: world.store.key.signer.publicKey,
      executor: instantExecutor,
      playSeed: () => 1,
      download,
    });
    const bench = new BenchTerminal(terminal, world);
    await world.settle(terminal.start(), 60_000, `${device.deviceId} starting`);
    return bench;
  }

  get state(): string {
    return this.terminal.snapshot().state;
  }

  /** Waits for the menu, then buys `title` (playing each part as soon as it may). */
  async buyWhenMenuShows(title: string, autoPlay: boolean, limitMs: number): Promise<void> {
    await this.world.runUntil(() => this.state === 'menu.idle' || this.failed, limitMs, 'waiting for the menu');
    this.throwIfFailed();
    this.terminal.buy(title, { autoPlay });
  }

  /** Runs virtual time until `done()`, failing at once if the terminal lands in a failed state. */
  async runUntil(done: () => boolean, limitMs: number, what: string): Promise<void> {
    await this.world.runUntil(() => done() || this.failed, limitMs, what);
    this.throwIfFailed();
  }

  times(part: string): PartTimes {
    const times = this.parts.get(part);
    if (!times) throw new FairwayError('not-found', `the terminal never started downloading ${part}`);
    return times;
  }

  /** The batteries come out: nothing more is sent over a radio whose clock is about to stop. */
  async powerOff(): Promise<void> {
    await this.world.settle(this.terminal.powerCut(), 60_000, 'powering the terminal off');
  }

  private get failed(): boolean {
    return this.failures.length > 0;
  }

  private throwIfFailed(): void {
    if (this.failures.length > 0) throw new FairwayError('io', `the terminal failed: ${this.failures.join('; ')}`);
  }
}
