/**
 * A fleet of real terminal runtimes (device/ with the Node port: files for flash, TCP, the
 * system clock) each buying and playing one multi-part title through one address — a
 * cluster's balancer — and what a cluster test reads from them afterwards: states, plays,
 * charges, the receipts as they were sent, when chunks were stored, reconnects.
 *
 * Each terminal's link is paced (paced-link.ts) so a title streams for seconds, long enough
 * for a node to die under it, and tapped (publish-tap.ts) so its receipts can be replayed.
 * The cartridge sandboxes are shared by a small pool: one worker thread per terminal would
 * be fifty threads for plays that take milliseconds.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CartridgeExecutor } from '../../device/ports/node/cartridge/index.js';
import { createNodeHal, type NodeSigner } from '../../device/ports/node/index.js';
import { createTerminal, type Terminal, type TerminalConfig } from '../../device/terminal.js';
import { decodeMessage } from '../../sdk/wire/index.js';
import { pacedLink, type Pace } from './paced-link.js';
import { tapPublishes } from './publish-tap.js';

export interface FleetMember {
  deviceId: string;
  user: string;
  password: string;
  signer: NodeSigner;
}

export type FleetTerminalConfig = Pick<TerminalConfig, 'keepAliveSeconds' | 'reconnectBackoff' | 'requestResend' | 'faultRetryMs' | 'download'>;

export interface FleetOptions {
  host: string;
  port: number;
  /** Each terminal's flash is a folder under here. */
  flashRoot: string;
  storePublicKey: Uint8Array;
  title: string;
  /** The title's parts in order: a terminal is done when the last is charged and all played. */
  parts: readonly string[];
  pace?: Pace;
  terminal?: FleetTerminalConfig;
  /** Cartridge sandboxes shared by the fleet; default 2. */
  executors?: number;
  /** Flash per terminal; default 2 MiB. */
  capacityBytes?: number;
  playSeed?: (deviceId: string, part: string) => number;
}

export interface SentReceipt {
  part: string;
  transfer: string;
  rid: number;
  /** The `receipt` request body exactly as the terminal published it. */
  bytes: Uint8Array;
  charged: boolean;
}

/** Failed states the runtime leaves by itself after `faultRetryMs`; any other failure is final. */
const RETRIED_FAILURES = new Set(['failed.storeError', 'failed.deviceFault']);

export class FleetTerminal {
  state = 'off';
  startedAtMs: number | undefined;
  finishedAtMs: number | undefined;
  /** Why it stopped short of the title's end (a final failed state, a timeout). */
  failure: string | undefined;
  readonly played: string[] = [];
  readonly charges: { part: string; transfer: string; price: number; atMs: number }[] = [];
  /** By transfer id; the first copy sent (resends are the same bytes). */
  readonly receipts = new Map<string, SentReceipt>();
  /** Date.now() of every chunk stored (a verified chunk of the part being downloaded). */
  readonly storedChunksAtMs: number[] = [];
  readonly states: string[] = [];
  /** Every time its connection went down: when, and why (a reset, a keep-alive timeout, …). */
  readonly drops: { atMs: number; reason: string }[] = [];
  private readonly receiptBytesByRid = new Map<number, Uint8Array>();

  constructor(
    readonly member: FleetMember,
    readonly terminal: Terminal,
  ) {}

  get deviceId(): string {
    return this.member.deviceId;
  }

  get done(): boolean {
    return this.finishedAtMs !== undefined;
  }

  /** The terminal's session counters: connects, drops, resends, … */
  sessionStats(): ReturnType<Terminal['sessionStats']> {
    return this.terminal.sessionStats();
  }

  /** Called by the link tap for every publish the terminal sends. */
  notePublish(topic: string, payload: Uint8Array): void {
    if (!topic.endsWith('/up/receipt')) return;
    const message = decodeMessage(payload, { direction: 'up', expect: 'receipt' });
    if (message.t !== 'receipt') return;
    if (!this.receiptBytesByRid.has(message.rid)) this.receiptBytesByRid.set(message.rid, payload);
  }

  noteReceiptSent(part: string, transfer: string, rid: number): void {
    if (this.receipts.has(transfer)) return;
    const bytes = this.receiptBytesByRid.get(rid);
    // The 'receipt' event comes before the first send; the tap fills the bytes in when it goes out.
    this.receipts.set(transfer, { part, transfer, rid, bytes: bytes ?? new Uint8Array(0), charged: false });
  }

  /** The bytes of `transfer`'s receipt, once they went out. */
  receiptBytes(transfer: string): Uint8Array | undefined {
    const r = this.receipts.get(transfer);
    return r ? this.receiptBytesByRid.get(r.rid) : undefined;
  }
}

export class TerminalFleet {
  private constructor(
    readonly terminals: readonly FleetTerminal[],
    private readonly executors: readonly CartridgeExecutor[],
    private readonly options: FleetOptions,
  ) {}

  static async create(members: readonly FleetMember[], options: FleetOptions): Promise<TerminalFleet> {
    // A generous CPU limit: fifty terminals and three nodes share two cores, and a play that loses
    // the core for a moment must not fail as a runaway cartridge would.
    const executors = Array.from({ length: options.executors ?? 2 }, () => new CartridgeExecutor({ timeoutMs: 2_000 }));
    const terminals: FleetTerminal[] = [];
    for (const [i, member] of members.entries()) {
      const storageDir = join(options.flashRoot, member.deviceId);
      await mkdir(storageDir, { recursive: true });
      const hal = await createNodeHal({ storageDir, capacityBytes: options.capacityBytes ?? 2 * 1024 * 1024, host: options.host, port: options.port, signer: member.signer });
      let record: FleetTerminal | undefined;
      const link = tapPublishes(options.pace ? pacedLink(hal.link, options.pace) : hal.link, (topic, payload) => record?.notePublish(topic, payload));
      const terminal = createTerminal(
        { ...hal, link },
        {
          deviceId: member.deviceId,
          user: member.user,
          password: member.password,
          storePublicKey: options.storePublicKey,
          executor: executors[i % executors.length]!,
          ...options.terminal,
          ...(options.playSeed ? { playSeed: (part: string) => options.playSeed!(member.deviceId, part) } : {}),
        },
      );
      record = new FleetTerminal(member, terminal);
      terminals.push(record);
    }
    return new TerminalFleet(terminals, executors, options);
  }

  /**
   * Starts terminal i when `starts[i]` says (ms from now, or when a promise settles); each
   * logs in, buys the title with auto-play and plays it to the end. Resolves when every
   * terminal is done or has failed for good, or at `timeoutMs` from now (the stragglers get a
   * failure naming their state).
   */
  async run(starts: readonly (number | Promise<unknown>)[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    await Promise.all(this.terminals.map((t, i) => this.runOne(t, starts[i] ?? 0, deadline)));
  }

  private async runOne(t: FleetTerminal, start: number | Promise<unknown>, deadline: number): Promise<void> {
    const { title, parts } = this.options;
    const lastPart = parts[parts.length - 1];
    let giveUp: NodeJS.Timeout | undefined;
    const started = await Promise.race([
      (typeof start === 'number' ? new Promise((r) => setTimeout(r, start)) : start).then(() => true),
      new Promise<boolean>((r) => (giveUp = setTimeout(() => r(false), Math.max(0, deadline - Date.now())))),
    ]);
    clearTimeout(giveUp);
    if (!started) {
      t.failure = 'never started: the run ended first';
      return;
    }
    const { terminal } = t;
    let settle!: () => void;
    const ended = new Promise<void>((resolve) => (settle = resolve));
    terminal.on('state', (s) => {
      if (t.states[t.states.length - 1] !== s.state) t.states.push(s.state);
      t.state = s.state;
      if (s.state.startsWith('failed.') && !RETRIED_FAILURES.has(s.state)) {
        t.failure = `${s.state}: ${s.context.failure?.message ?? 'no message'}`;
        settle();
      }
      const finished = s.state === 'menu.idle' && s.context.lastCharge?.part === lastPart && parts.every((p) => t.played.includes(p));
      if (finished && !t.done) {
        t.finishedAtMs = Date.now();
        settle();
      }
    });
    terminal.on('played', (p) => t.played.push(p.part));
    terminal.on('receipt', (r) => t.noteReceiptSent(r.part, r.transfer, r.rid));
    terminal.on('charged', (c) => {
      t.charges.push({ part: c.part, transfer: c.transfer, price: c.price, atMs: Date.now() });
      const receipt = t.receipts.get(c.transfer);
      if (receipt) receipt.charged = true;
    });
    terminal.on('radio', (r) => {
      if (!r.online) t.drops.push({ atMs: Date.now(), reason: r.reason ?? 'unknown' });
    });
    terminal.on('chunk', (c) => {
      if (c.outcome === 'stored') t.storedChunksAtMs.push(Date.now());
    });
    t.startedAtMs = Date.now();
    await terminal.start();
    const timer = setTimeout(() => {
      t.failure ??= `not done within the run's time limit (state ${t.state})`;
      settle();
    }, Math.max(0, deadline - Date.now()));
    try {
      await terminal.waitFor((s) => s.state === 'menu.idle' || s.state.startsWith('failed.'), Math.max(1, deadline - Date.now()));
      if (t.state === 'menu.idle') {
        if (!terminal.menu().some((m) => m.title === title)) t.failure = `${title} is not on the menu`;
        else terminal.buy(title, { autoPlay: true });
      }
      if (!t.failure) await ended;
    } catch (e) {
      t.failure ??= `stopped short: ${(e as Error).message}`;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Terminals downloading a part right now. */
  downloading(): FleetTerminal[] {
    return this.terminals.filter((t) => t.state === 'title.downloading');
  }

  private stopping: Promise<void> | undefined;

  /** Orderly stops (state on flash, goodbye sent) and the sandboxes closed. Idempotent. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await Promise.allSettled(this.terminals.map((t) => t.terminal.stop()));
      await Promise.allSettled(this.executors.map((e) => e.close()));
    })());
  }
}
