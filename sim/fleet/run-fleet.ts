/**
 * Runs a scenario: the real store (aedes + store service + SQLite) and a fleet of real terminal
 * runtimes in one process, joined by modelled radio links, all in virtual time and all
 * randomness drawn from one seed. What it returns is the report's RunResult; the event trace's
 * hash is in it, so two runs of one seed can be compared.
 *
 * Sources of real-time nondeterminism and how each is kept out: timers (every one is the
 * SimClock's), thread-pool work such as scrypt and file reads (counted by async hooks: time does
 * not move while any is in flight), Ed25519 verification (in this thread, not the store's
 * worker), part content (served from memory), and the cartridge sandbox's worker thread
 * (tracked, and its answer released by a virtual timer set when play began).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startStore, type RunningStore } from '../../broker/store.js';
import { CartridgeExecutor } from '../../device/ports/node/cartridge/index.js';
import { createTerminal, type Terminal } from '../../device/terminal.js';
import { NodeCrypto } from '../../device/ports/node/index.js';
import { writeDemoCatalog } from '../catalog/index.js';
import { chargedOnceInvariant, integrityInvariant, isolationInvariant, ledgerInvariant, storageInvariant, type CheckedTerminal } from '../checkers/invariants.js';
import { SimClock } from '../hal/clock.js';
import { resolveProfile } from '../hal/presets.js';
import type { RadioProfile } from '../hal/radio-profile.js';
import { SimRandom } from '../hal/random.js';
import type { RunResult, TerminalSummary, TimelinePoint } from '../report/run-result.js';
import type { Scenario } from '../scenario/index.js';
import { importCatalog } from '../world/index.js';
import { NativeWork } from '../runtime/native-work.js';
import { provisionFleet, type FleetMember } from './provision-fleet.js';
import { simExecutor } from './sim-executor.js';
import { buildTerminalHal, type TerminalHardware } from './terminal-hal.js';
import { Trace } from './trace.js';
import { scheduleFaults } from './fault-schedule.js';
import { emptySummary, hashSeed, pick, whileTimeRuns } from './fleet-helpers.js';
import { driveUser, type UserLog } from './user-model.js';
import { HostSessionsDriver } from './host-sessions.js';
import { hostSessionResults } from './host-session-results.js';
import { hostChargesInvariant, hostDeletionInvariant, hostSeatsInvariant } from '../checkers/host-session-invariants.js';
import { readStoreLicences } from '../checkers/store-licences.js';
import type { InvariantResult } from '../checkers/invariants.js';

export interface FleetProgress {
  virtualMs: number;
  durationMs: number;
  connected: number;
  downloading: number;
  playing: number;
  charges: number;
  titlesFinished: number;
  terminals: number;
}

export interface RunOptions {
  scenario: Scenario;
  seed: number;
  /** Where the store keeps its database and content; a temporary folder when absent. */
  dataDir?: string;
  /** The command line that replays this run, for the report. */
  reproduce: string;
  onProgress?: (p: FleetProgress) => void;
  /** Stop early once every player is done (default true). */
  stopWhenDone?: boolean;
  /** Called once the host-session driver exists, before time starts (tests reach into it). */
  onHostSessions?: (driver: HostSessionsDriver) => void;
}

interface FleetTerminal extends CheckedTerminal {
  member: FleetMember;
  hardware: TerminalHardware;
  preset: string;
  profile: RadioProfile;
  userLog: UserLog | null;
  summary: TerminalSummary;
  firstBuyMs: number | null;
  powerCuts: number;
  online: boolean;
  phase: 'idle' | 'downloading' | 'playing';
  linkUpSinceMs: number | null;
  transferring: boolean;
}

const quietLogger = pino({ level: 'silent' });
const debugLog = (message: string) => {
  if (process.env.FAIRWAY_SIM_DEBUG === '1') process.stderr.write(`sim: ${message}\n`);
};

export async function runFleet(options: RunOptions): Promise<RunResult> {
  const { scenario, seed } = options;
  const wallStart = performance.now();
  const startedAt = new Date().toISOString();
  const native = new NativeWork().enable();
  const time = new SimClock({ isBusy: () => native.inFlight > 0 });
  const random = SimRandom.fromSeed(seed);
  const trace = new Trace(2_000, process.env.FAIRWAY_SIM_TRACE === '1' ? (line) => process.stderr.write(`${line}\n`) : null);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'fairway-sim-')));
  const storeOptions = {
    dataDir: join(dataDir, 'store'),
    clock: { wallMs: () => time.wallMs() },
    verifyOn: 'this-thread' as const,
    contentInMemory: true,
    drainTimeoutMs: 2_000,
    logger: quietLogger,
  };
  let store: RunningStore | null = await startStore(storeOptions);
  const executor = new CartridgeExecutor();
  const fleet: FleetTerminal[] = [];
  let hostSessions: HostSessionsDriver | null = null;
  const charges: RunResult['charges'] = [];
  const timeline: TimelinePoint[] = [];
  let bytesThisStep = 0;
  let dropsThisStep = 0;
  let chargesThisStep = 0;

  try {
    // ---- the world: catalog, users, terminals (before virtual time starts) -----------------
    const catalogDir = join(dataDir, 'catalog');
    if (scenario.catalog === 'demo') {
      await writeDemoCatalog(catalogDir, { seed: 1 });
      await importCatalog(store, catalogDir, time.wallMs());
    } else {
      for (const folder of scenario.catalog) await importCatalog(store, folder, time.wallMs());
    }
    // Parts imported after the store started are loaded into memory now, not on first read: a
    // read from disk lands when real time says, and would reorder the chunk pump's output.
    await store.content.pinInMemory();
    const members = await provisionFleet(store, scenario.fleet, seed, time.wallMs());
    const storePublicKey = store.key.signer.publicKey;
    const attach = (stream: import('node:stream').Duplex, peer: string) => {
      if (store) store.broker.acceptStream(stream, peer);
      else stream.destroy();
    };

    // ---- host sessions: their own hosts and peers, numbered after the fleet -------------------
    if ((scenario.hostSessions ?? []).length > 0) {
      hostSessions = await HostSessionsDriver.provision({
        specs: scenario.hostSessions!,
        durationMs: scenario.durationMs,
        seed,
        time,
        random,
        trace,
        store,
        storePublicKey,
        attach,
        executor,
        firstIndex: members.length + 1,
      });
      options.onHostSessions?.(hostSessions);
    }

    // ---- faults chosen up front from the seed -------------------------------------------------
    const faultRandom = random.fork('faults');
    const blackoutsOf = new Map<number, { atMs: number; durationMs: number }[]>();
    const frozenAt = new Map<number, number>();
    for (const fault of scenario.faults) {
      if (fault.kind === 'blackout') {
        const chosen = pick(faultRandom, members.length, Math.ceil(fault.fraction * members.length));
        for (const i of chosen) blackoutsOf.set(i, [...(blackoutsOf.get(i) ?? []), { atMs: fault.atMs, durationMs: fault.durationMs }]);
      } else if (fault.kind === 'freeze') {
        for (const i of pick(faultRandom, members.length, fault.count)) frozenAt.set(i, fault.atMs);
      }
    }

    // ---- the terminals -----------------------------------------------------------------------
    for (const [i, member] of members.entries()) {
      const group = scenario.fleet[member.group]!;
      const base = resolveProfile(group.preset);
      const profile: RadioProfile = {
        ...base,
        ...group.radio,
        blackouts: [...base.blackouts, ...(blackoutsOf.get(i) ?? [])],
        ...(frozenAt.has(i) && { halfOpenAtMs: frozenAt.get(i) }),
      } as RadioProfile;
      const rng = random.fork(`terminal/${member.deviceId}`);
      const hardware = buildTerminalHal({ time, random: rng, profile, flashBytes: group.flashBytes, signer: member.signer, attach, peerName: member.deviceId });
      const t: FleetTerminal = {
        id: member.deviceId,
        member,
        hardware,
        preset: group.preset,
        profile,
        terminal: null as unknown as Terminal,
        flash: hardware.flash,
        chargedTransfers: new Set(),
        foreignTopics: 0,
        userLog: null,
        firstBuyMs: null,
        powerCuts: 0,
        online: false,
        phase: 'idle',
        linkUpSinceMs: null,
        transferring: false,
        summary: emptySummary(member.deviceId, group.preset, profile.downlinkBitsPerS),
      };
      fleet.push(t);
    }

    const boot = async (t: FleetTerminal) => {
      const group = scenario.fleet[t.member.group]!;
      const rng = random.fork(`player/${t.id}/${t.powerCuts}`);
      const terminal = createTerminal(t.hardware.hal, {
        deviceId: t.member.deviceId,
        user: t.member.userId,
        password: t.member.password,
        storePublicKey,
        executor: simExecutor(executor, time, (p) => time.track(p), {
          playMs: () => Math.round(rng.exponential(90_000)),
          goesOn: () => rng.next01() < group.user.buyNextProbability,
        }),
        playSeed: (part) => hashSeed(`${seed}/${t.id}/${part}`),
      });
      t.terminal = terminal;
      wire(t, terminal);
      const userRandom = random.fork(`user/${t.id}/${t.powerCuts}`);
      const log = driveUser(terminal, time, userRandom, { ...group.user }, t.member.cards.splice(0), (kind, detail) => {
        if (kind === 'user.buy') {
          t.firstBuyMs ??= time.monotonicMs();
        }
        if (kind === 'user.topUp') t.summary.topUps++;
        trace.record({ atMs: time.monotonicMs(), terminal: t.id, kind, ...(detail !== undefined && kind !== 'user.topUp' && { detail }) });
      });
      t.userLog = log;
      await terminal.start();
    };

    const wire = (t: FleetTerminal, terminal: Terminal) => {
      let last = '';
      terminal.on('state', ({ state }) => {
        if (state !== last) {
          last = state;
          t.summary.state = state;
          trace.record({ atMs: time.monotonicMs(), terminal: t.id, kind: 'state', detail: state });
          t.phase = state === 'title.playing' ? 'playing' : state === 'title.downloading' ? 'downloading' : 'idle';
          const transferring = state.startsWith('title.') && state !== 'title.playing' && state !== 'title.needsCredit';
          noteTransfer(t, transferring);
        }
      });
      terminal.on('charged', (c) => {
        if (t.chargedTransfers.has(c.transfer)) return; // a resend after a reboot: the same charge
        t.chargedTransfers.add(c.transfer);
        t.summary.partsBought++;
        t.summary.chargesMinor += c.price;
        chargesThisStep++;
        charges.push({ atMs: time.monotonicMs(), terminal: t.id, part: c.part, priceMinor: c.price });
        trace.record({ atMs: time.monotonicMs(), terminal: t.id, kind: 'charged', detail: `${c.part} ${c.price}` });
        if (c.last && t.summary.wholeTitleMs === null && t.firstBuyMs !== null) t.summary.wholeTitleMs = time.monotonicMs() - t.firstBuyMs;
      });
      terminal.on('play', (p) => {
        if (t.summary.ttfpMs === null && t.firstBuyMs !== null) t.summary.ttfpMs = time.monotonicMs() - t.firstBuyMs;
        trace.record({ atMs: time.monotonicMs(), terminal: t.id, kind: 'play', detail: p.part });
      });
      terminal.on('played', () => {
        if (terminal.snapshot().context.offer?.next === null) t.summary.titlesFinished++;
      });
      terminal.on('progress', (p) => {
        const delta = p.receivedBytes - (progressSeen.get(t.id + p.part) ?? p.receivedBytes);
        progressSeen.set(t.id + p.part, p.receivedBytes);
        if (delta > 0) {
          t.summary.bytesReceived += delta;
          bytesThisStep += delta;
        }
      });
      terminal.on('radio', (r) => {
        t.online = r.online;
        if (!r.online) {
          t.summary.drops++;
          dropsThisStep++;
        }
        trace.record({ atMs: time.monotonicMs(), terminal: t.id, kind: r.online ? 'radio.up' : 'radio.down', ...(r.reason !== undefined && { detail: r.reason }) });
        noteTransfer(t, t.transferring);
      });
      terminal.on('warning', (w) => {
        if (w.message.includes("not one of this device's down topics")) t.foreignTopics++;
      });
    };
    const progressSeen = new Map<string, number>();

    const noteTransfer = (t: FleetTerminal, transferring: boolean) => {
      const now = time.monotonicMs();
      if (t.linkUpSinceMs !== null) t.summary.linkUpMs += now - t.linkUpSinceMs;
      t.transferring = transferring;
      t.linkUpSinceMs = transferring && t.online ? now : null;
    };

    // ---- faults on the clock ------------------------------------------------------------------
    const byId = new Map(fleet.map((t) => [t.id, t]));
    scheduleFaults(scenario.faults, {
      time,
      random,
      trace,
      durationMs: scenario.durationMs,
      terminalIds: fleet.map((t) => t.id),
      stopStore: async () => {
        const old = store;
        store = null;
        await old?.close();
      },
      startStore: async () => {
        store = await startStore(storeOptions);
      },
      cutPower: (id) => {
        const t = byId.get(id)!;
        t.powerCuts++;
        t.summary.powerLosses++;
        t.hardware.powerCut();
        void time.track(t.terminal.powerCut());
      },
      restorePower: (id) => {
        const t = byId.get(id)!;
        t.hardware.powerOn();
        t.flash = t.hardware.flash;
        return boot(t);
      },
    });

    // ---- timeline and progress ------------------------------------------------------------------
    const sample = () => {
      const now = time.monotonicMs();
      const stepMs = scenario.timelineStepMs;
      timeline.push({
        atMs: now,
        goodputBitsPerS: Math.round((bytesThisStep * 8 * 1000) / stepMs),
        connected: fleet.filter((t) => t.online).length,
        downloading: fleet.filter((t) => t.phase === 'downloading').length,
        playing: fleet.filter((t) => t.phase === 'playing').length,
        drops: dropsThisStep,
        charges: chargesThisStep,
      });
      bytesThisStep = 0;
      dropsThisStep = 0;
      chargesThisStep = 0;
      options.onProgress?.({
        virtualMs: now,
        durationMs: scenario.durationMs,
        connected: timeline[timeline.length - 1]!.connected,
        downloading: timeline[timeline.length - 1]!.downloading,
        playing: timeline[timeline.length - 1]!.playing,
        charges: charges.length,
        titlesFinished: fleet.reduce((n, t) => n + t.summary.titlesFinished, 0),
        terminals: fleet.length,
      });
      if (now + stepMs <= scenario.durationMs) time.setTimer(stepMs, sample);
    };
    time.setTimer(scenario.timelineStepMs, sample);

    // ---- run ----------------------------------------------------------------------------------
    for (const t of fleet) await time.track(boot(t));
    await hostSessions?.boot();
    const allDone = () =>
      (hostSessions?.done() ?? true) &&
      fleet.every((t) => {
        const s = t.summary.state;
        const log = t.userLog;
        return log !== null && log.titlesStarted >= scenario.fleet[t.member.group]!.user.maxTitles && (s === 'menu.idle' || s.startsWith('failed.'));
      });
    const stop = await time.runUntil({ atMs: scenario.durationMs, ...(options.stopWhenDone !== false && { until: allDone }) });
    debugLog(`run stopped (${stop}) at ${time.monotonicMs()}`);
    for (const t of fleet) noteTransfer(t, false);

    // ---- invariants (virtual time keeps flowing: a check may wait on the modelled hardware) ---
    let hostResults: RunResult['hostSessions'];
    const invariants = await whileTimeRuns(time, async () => {
      const liveStore = store ?? (await startStore(storeOptions));
      store = liveStore;
      const crypto = new NodeCrypto();
      // First: session peers left powered off start again (and clean up), so every flash is live.
      const facts = hostSessions ? await hostSessions.finish() : [];
      const everyone = [...fleet, ...(hostSessions?.terminals() ?? [])];
      const checked: InvariantResult[] = [
        await ledgerInvariant(liveStore, time.wallMs()),
        await chargedOnceInvariant(liveStore, everyone),
        await storageInvariant(everyone),
        await integrityInvariant(everyone, storePublicKey, crypto),
        isolationInvariant(everyone),
      ];
      if (hostSessions) {
        const licences = await readStoreLicences(liveStore.database.db, facts.flatMap((f) => (f.licenceId === null ? [] : [f.licenceId])));
        checked.push(hostSeatsInvariant(facts, licences), hostChargesInvariant(facts, licences), hostDeletionInvariant(facts));
        hostResults = hostSessionResults(facts, licences);
      }
      return checked;
    });
    debugLog('invariants checked');
    for (const inv of invariants) trace.record({ atMs: time.monotonicMs(), terminal: '-', kind: 'invariant', detail: `${inv.held ? 'held' : 'BROKEN'} ${inv.name}` });

    return {
      scenario: scenario.name,
      seed,
      startedAt,
      virtualMs: time.monotonicMs(),
      wallMs: Math.round(performance.now() - wallStart),
      terminals: fleet.map((t) => t.summary),
      timeline,
      charges,
      invariants,
      traceHash: trace.hash(),
      reproduce: options.reproduce,
      ...(hostResults && { hostSessions: hostResults }),
    };
  } finally {
    // The batteries come out: no goodbyes over a radio whose clock has stopped.
    await whileTimeRuns(time, async () => {
      for (const t of fleet) await t.terminal?.powerCut().catch(() => undefined);
      for (const t of hostSessions?.terminals() ?? []) await t.terminal?.powerCut().catch(() => undefined);
    }).catch(() => undefined);
    await executor.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    native.disable();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  }
}
