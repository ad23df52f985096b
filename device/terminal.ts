/**
 * createTerminal(hal, config): the terminal runtime a vendor embeds. It wires the machine
 * (device/machine) to its effects (device/actors) built from the HAL, keeps the machine's
 * snapshot on flash after every transition (device/persist) so a terminal that loses power
 * resumes where it was, and offers the UI a few commands and a stream of events.
 */
import { createActor, type Actor } from 'xstate';
import { FairwayError } from '../sdk/errors.js';
import type { Hal } from '../sdk/hal/index.js';
import { offerActor } from './actors/offer-part.js';
import { downloadActor } from './actors/download.js';
import { localPartActors } from './actors/local-part-actors.js';
import { reserveActor } from './actors/reserve-storage.js';
import type { MenuEntry, TerminalRuntime } from './actors/runtime.js';
import { receiptActor } from './actors/send-receipt.js';
import { storeRequestActors } from './actors/store-requests.js';
import type { DownloadConfig } from './download/download-config.js';
import type { Executor } from './executor/executor.js';
import { terminalMachine } from './machine/terminal-machine.js';
import type { TerminalContext } from './machine/types.js';
import { StateStore } from './persist/state-store.js';
import { PowerGate } from './power-gate.js';
import type { BackoffPolicy, ResendPolicy } from './session/backoff.js';
import { StoreSession } from './session/store-session.js';
import { StorageManager, type StorageManagerUsage, type StoredPart } from './storage/storage-manager.js';
import { TerminalEmitter, type TerminalEvents } from './terminal-events.js';
import type { Link } from '../sdk/hal/link.js';
import { HostMode, type Hosting, type HostOptions } from './local/host-mode.js';
import { PeerSession, type PeerReception, type PeerSessionOptions } from './local/peer-session.js';
import type { PlayOutcome, Results } from './executor/executor.js';
import { partImage, randomPlaySeed } from './actors/part-image.js';

export interface TerminalConfig {
  deviceId: string;
  /** The user this terminal logs in as after every (re)connect [FW-4.2]. */
  user: string;
  password: string;
  /** The store's Ed25519 public key: every manifest must verify with it [FW-6.5]. */
  storePublicKey: Uint8Array;
  executor: Executor;
  keepAliveSeconds?: number;
  reconnectBackoff?: BackoffPolicy;
  requestResend?: ResendPolicy;
  /** Flash kept aside for the terminal's own state (snapshot records and the part table). */
  systemReserveBytes?: number;
  /** Pause before retrying after a store error or a local fault. */
  faultRetryMs?: number;
  download?: Partial<DownloadConfig>;
  /** The seed each part is played with (the simulator's determinism); random otherwise. */
  playSeed?: (part: string) => number;
}

export interface TerminalSnapshot {
  /** Dotted state path, e.g. `title.downloading` or `failed.storageFull`. */
  state: string;
  context: TerminalContext;
}

export interface Terminal {
  on<K extends keyof TerminalEvents>(event: K, listener: (value: TerminalEvents[K]) => void): () => void;
  start(): Promise<void>;
  /** An orderly stop: the last state is on flash, the connection closed with a goodbye. */
  stop(): Promise<void>;
  /** The battery is pulled: nothing more is written or sent. */
  powerCut(): Promise<void>;
  /** Cuts the radio link as a fade would; the terminal reconnects by itself. */
  dropLink(): Promise<void>;
  snapshot(): TerminalSnapshot;
  menu(): readonly MenuEntry[];
  storage(): { usage: StorageManagerUsage; parts: StoredPart[] };
  sessionStats(): StoreSession['stats'];
  /** Resolves with the first snapshot (now or later) that satisfies `test`. */
  waitFor(test: (s: TerminalSnapshot) => boolean, timeoutMs?: number): Promise<TerminalSnapshot>;
  browse(): void;
  buy(title: string, options?: { autoPlay?: boolean }): void;
  play(): void;
  redeemCard(card: string, password: string): void;
  cancel(): void;
  dismiss(): void;
  retry(): void;
  /** Deletes a part, or every part of a title, that is not in use. */
  delete(partOrTitle: string): Promise<void>;
  /**
   * Host mode [FW-13]: licenses `part` (complete on this device) for `seats` nearby terminals
   * and returns the session to hand each incoming local connection to (`serve`).
   */
  host(part: string, seats: number, options?: HostOptions): Promise<Hosting>;
  /**
   * Joins a host over a local link [FW-14]: `receive()` resolves once the part is here and
   * verified and the host has the notice; the part is deleted when the session ends. The
   * notice also goes to the store on this terminal's own connection when it is up.
   */
  joinHost(link: Link, options?: Pick<PeerSessionOptions, 'events' | 'requestTimeoutMs' | 'reconnectDelayMs' | 'maxReconnectDelayMs'>): PeerSession;
  /** Sends notices kept from peers to the store now (it also happens on every reconnect). */
  relayNotices(): Promise<number>;
  /**
   * Plays a part received from a host, during its session only [FW-14.6]: the hosted part is
   * run like a bought one, with its base if it names one that is on this device.
   */
  playHosted(peer: PeerSession, reception: PeerReception, carried?: Results): Promise<PlayOutcome>;
}

/** Dotted path of an xstate state value ({title: 'offering'} → 'title.offering'). */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? ['?', ''];
  return inner === '' ? key : `${key}.${statePath(inner)}`;
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

export function createTerminal(hal: Hal, config: TerminalConfig): Terminal {
  const gate = new PowerGate();
  const storage = gate.storage(hal.storage);
  const gatedHal: Hal = { ...hal, storage, link: gate.link(hal.link) };
  const emitter = new TerminalEmitter();
  const stateStore = new StateStore(storage, hal.crypto);
  let actor: Actor<typeof terminalMachine> | null = null;
  let rt: TerminalRuntime | null = null;
  let hostMode: HostMode | null = null;
  /** Local sessions open now: the power going ends them without a word or a write. */
  const peerSessions = new Set<PeerSession>();
  const hostings = new Set<Hosting>();
  let started = false;

  const send = (event: Parameters<Actor<typeof terminalMachine>['send']>[0]) => actor?.send(event);

  const session = new StoreSession(
    gatedHal,
    {
      deviceId: config.deviceId,
      user: config.user,
      password: config.password,
      ...(config.keepAliveSeconds !== undefined && { keepAliveSeconds: config.keepAliveSeconds }),
      ...(config.reconnectBackoff && { backoff: config.reconnectBackoff }),
      ...(config.requestResend && { resend: config.requestResend }),
    },
    {
      connected: () => send({ type: 'radio.connected' }),
      online: (info) => {
        emitter.emit('radio', { online: true });
        send({ type: 'radio.up', balance: info.balance, currency: info.currency });
        rt?.download?.online();
        hostMode?.relayNotices().catch((e: unknown) => emitter.emit('warning', { message: `relaying seat notices failed: ${(e as Error).message}` }));
      },
      offline: (info) => {
        emitter.emit('radio', { online: false, reason: info.reason, retryInMs: info.retryInMs, attempt: info.attempt });
        send({ type: 'radio.down', reason: info.reason });
        rt?.download?.offline();
      },
      refused: (reason, message) => send({ type: 'radio.refused', reason, message }),
      chunk: async (chunk) => {
        await rt?.download?.chunk(chunk);
      },
      chunkReply: (reply) => rt?.download?.chunkReply(reply),
      dropped: (why) => emitter.emit('warning', { message: why }),
    },
  );

  const snapshot = (): TerminalSnapshot => {
    if (!actor) throw new FairwayError('closed', 'the terminal has not started');
    const s = actor.getSnapshot();
    return { state: statePath(s.value), context: s.context };
  };

  const terminal: Terminal = {
    on: (event, listener) => emitter.on(event, listener),

    async start() {
      if (started) return;
      started = true;
      const manager = await StorageManager.open(storage, { systemReserveBytes: config.systemReserveBytes ?? 2 * (stateStore.maxBodyBytes + 64) + 32 * 1024 });
      // A part received from a host never survives a restart [FW-14.6].
      const leftovers = await PeerSession.cleanupAtStart(storage, manager);
      if (leftovers.length > 0) emitter.emit('warning', { message: `deleted ${leftovers.join(', ')} left from a host session that was cut` });
      hostMode = new HostMode({ hal: gatedHal, deviceId: config.deviceId, user: config.user, storePublicKey: config.storePublicKey, session, parts: manager });
      const loaded = await stateStore.load();
      let restored: TerminalSnapshot | null = null;
      if (loaded) {
        try {
          restored = JSON.parse(fromUtf8.decode(loaded.body)) as TerminalSnapshot;
        } catch {
          emitter.emit('warning', { message: 'the saved terminal state did not parse; starting fresh' });
        }
      }
      rt = {
        hal: gatedHal,
        deviceId: config.deviceId,
        user: config.user,
        storePublicKey: config.storePublicKey,
        session,
        storage: manager,
        executor: config.executor,
        emitter,
        manifests: new Map(),
        menu: [],
        lastAdvert: null,
        download: null,
        ...(config.download && { downloadConfig: config.download }),
      };
      const faultRetryMs = config.faultRetryMs ?? 5_000;
      const machine = terminalMachine.provide({
        actors: {
          ...storeRequestActors(rt),
          offerPart: offerActor(rt),
          reserveStorage: reserveActor(rt),
          download: downloadActor(rt),
          sendReceipt: receiptActor(rt),
          ...localPartActors(rt, config.playSeed),
        },
        delays: {
          holdLapse: ({ context }) => Math.max(0, (context.offer?.holdUntilMs ?? 0) - hal.clock.wallMs()),
          storeErrorRetry: () => faultRetryMs,
        },
      });
      actor = createActor(machine, { input: { deviceId: config.deviceId, restored } });
      let lastSaved = '';
      actor.subscribe((s) => {
        const current = { state: statePath(s.value), context: s.context };
        emitter.emit('state', current);
        const body = JSON.stringify(current);
        if (body === lastSaved) return;
        lastSaved = body;
        stateStore.save(utf8.encode(body)).catch((e: unknown) => {
          if (gate.on) emitter.emit('warning', { message: `could not save the terminal state: ${(e as Error).message}` });
        });
      });
      actor.start();
      actor.send({ type: 'power.booted' });
      session.start();
    },

    async stop() {
      actor?.stop();
      await stateStore.flush().catch(() => undefined);
      await session.stop();
    },

    async powerCut() {
      await gate.cut();
      for (const peer of peerSessions) peer.halt();
      for (const hosting of hostings) hosting.session.halt();
      peerSessions.clear();
      hostings.clear();
      actor?.stop();
      await session.stop();
    },

    dropLink: () => session.dropLink(),
    snapshot,
    menu: () => rt?.menu ?? [],
    storage: () => {
      if (!rt) throw new FairwayError('closed', 'the terminal has not started');
      return { usage: rt.storage.usage(), parts: rt.storage.list() };
    },
    sessionStats: () => session.stats,

    waitFor(test, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        if (!actor) return reject(new FairwayError('closed', 'the terminal has not started'));
        const now = snapshot();
        if (test(now)) return resolve(now);
        const timer = hal.clock.setTimer(timeoutMs, () => {
          off();
          const s = snapshot();
          reject(new FairwayError('timeout', `no matching state within ${timeoutMs} ms (now ${s.state}${s.context.failure ? `: ${s.context.failure.message}` : ''})`));
        });
        const off = emitter.on('state', (s) => {
          if (!test(s)) return;
          off();
          timer.cancel();
          resolve(s);
        });
      });
    },

    browse: () => send({ type: 'user.browse' }),
    buy: (title, options = {}) => {
      const entry = rt?.menu.find((t) => t.title === title);
      if (!entry) throw new FairwayError('not-found', `${title} is not on the menu (browse first)`);
      send({ type: 'user.buy', title, firstPart: entry.firstPart, autoPlay: options.autoPlay ?? false });
    },
    play: () => send({ type: 'user.play' }),
    redeemCard: (card, password) => send({ type: 'user.redeemCard', card, password }),
    cancel: () => send({ type: 'user.cancel' }),
    dismiss: () => send({ type: 'user.dismiss' }),
    retry: () => send({ type: 'user.retry' }),

    async delete(partOrTitle) {
      if (!rt) throw new FairwayError('closed', 'the terminal has not started');
      const job = snapshot().context.job;
      const parts = rt.storage.list();
      if (job && (job.title === partOrTitle || parts.some((p) => p.part === partOrTitle && p.title === job.title))) {
        throw new FairwayError('invalid-argument', `${partOrTitle} belongs to the title in progress; cancel it first`);
      }
      if (parts.some((p) => p.part === partOrTitle)) await rt.storage.remove(partOrTitle);
      else if (parts.some((p) => p.title === partOrTitle)) await rt.storage.finishTitle(partOrTitle);
      else throw new FairwayError('not-found', `no part or title ${partOrTitle} on this device`);
    },

    async host(part, seats, options) {
      if (!hostMode) throw new FairwayError('closed', 'the terminal has not started');
      const hosting = await hostMode.host(part, seats, options);
      hostings.add(hosting);
      return hosting;
    },

    joinHost(link, options = {}) {
      if (!rt || !hostMode) throw new FairwayError('closed', 'the terminal has not started');
      const modes = hostMode;
      const peer = new PeerSession({
        ...options,
        peerId: config.deviceId,
        link,
        storePublicKey: config.storePublicKey,
        crypto: gatedHal.crypto,
        signer: gatedHal.signer,
        clock: gatedHal.clock,
        storage,
        parts: rt.storage,
        ...(config.download && { downloadConfig: config.download }),
        events: {
          ...options.events,
          received: (info) => {
            options.events?.received?.(info);
            const notice = peer.notice();
            // Best effort: the host relays it anyway [FW-13.5.2].
            if (notice && session.online) void modes.sendOwnNotice(notice).catch(() => undefined);
          },
        },
      });
      peerSessions.add(peer);
      void peer.ended.then(() => peerSessions.delete(peer));
      return peer;
    },

    relayNotices: () => hostMode?.relayNotices() ?? Promise.resolve(0),

    async playHosted(peer, reception, carried = {}) {
      if (!rt) throw new FairwayError('closed', 'the terminal has not started');
      if (!peerSessions.has(peer) || peer.state !== 'received') throw new FairwayError('closed', 'the host session is not open with the part received: a hosted part runs only during its session');
      const { manifest } = reception;
      const part = partImage(rt.storage, manifest.part);
      if (!part) throw new FairwayError('not-found', `${manifest.part} is not on this device`);
      const base = manifest.base === null ? null : partImage(rt.storage, manifest.base);
      if (manifest.base !== null && !base) throw new FairwayError('not-found', `${manifest.part} needs its base part ${manifest.base}, which is not on this device`);
      emitter.emit('play', { part: manifest.part, seq: manifest.seq });
      const outcome = await config.executor.play({ part, base, carried, seed: config.playSeed ? config.playSeed(manifest.part) : randomPlaySeed(gatedHal) });
      emitter.emit('played', { part: manifest.part, results: outcome.results, continue: false });
      return outcome;
    },
  };
  return terminal;
}
