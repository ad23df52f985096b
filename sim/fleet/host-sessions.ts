/**
 * Drives the scenario's host sessions (seed 000; [FW-13, FW-14]) inside a fleet run: per
 * session one host handheld and its peers, each a real terminal runtime on the run's SimClock.
 *
 * The host buys the title's first part over its store link (browse → buy, no play), and once
 * that part is charged and `atMs` has come asks for a seat licence (`terminal.host`). Each peer
 * has a local RadioLink to the host (`localPreset` + `localRadio`, its own seeded fork) whose far
 * end goes to `hosting.serve` — closed while there is no hosting yet, still served after the end
 * (a late peer's join is answered `licence-expired` and it deletes what it holds). Peers join at
 * atMs + a seeded offset; some leave part-way (a seeded fraction of the chunks); a share has a
 * store link that is dark the whole run, so their notices reach the store only by the host's
 * relay. At atMs + sessionMs the host ends the session and relays the notices it keeps.
 *
 * Every draw comes from the run's seed, forked per session, host and peer; every wait is a
 * SimClock timer; every host and peer event goes into the trace, so the trace hash covers them.
 */
import type { RunningStore } from '../../broker/store.js';
import { FairwayError } from '../../sdk/errors.js';
import type { Hosting } from '../../device/local/host-mode.js';
import { HostRefusedError } from '../../device/local/index.js';
import type { PeerSession } from '../../device/local/peer-session.js';
import type { Executor } from '../../device/executor/executor.js';
import { createTerminal, type Terminal, type TerminalSnapshot } from '../../device/terminal.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import type { CheckedTerminal } from '../checkers/invariants.js';
import type { SimClock } from '../hal/clock.js';
import { RadioLink, type AttachBroker } from '../hal/link.js';
import { resolveProfile } from '../hal/presets.js';
import type { RadioProfile } from '../hal/radio-profile.js';
import type { SimRandom } from '../hal/random.js';
import type { HostSessionSpec } from '../scenario/index.js';
import { hashSeed, pick } from './fleet-helpers.js';
import type { HostSessionFacts, PeerFacts } from './host-session-facts.js';
import { peerFootprint } from './peer-footprint.js';
import { provisionHostSessions } from './provision-host-sessions.js';
import type { FleetMember } from './provision-fleet.js';
import { simExecutor } from './sim-executor.js';
import { buildTerminalHal, type TerminalHardware } from './terminal-hal.js';
import type { Trace } from './trace.js';

export interface HostSessionsContext {
  specs: readonly HostSessionSpec[];
  /** The run's virtual length: waits give up at it. */
  durationMs: number;
  seed: number;
  time: SimClock;
  /** The run's root stream; each session forks `host-session/<i>` from it. */
  random: SimRandom;
  trace: Trace;
  store: RunningStore;
  storePublicKey: Uint8Array;
  attach: AttachBroker;
  /** The sandbox executor (no session terminal plays, but a terminal needs one). */
  executor: Executor;
  /** The first world number after the fleet's members. */
  firstIndex: number;
}

/** How often a peer drawn to leave looks at its progress. */
const LEAVE_POLL_MS = 100;

interface SessionTerminal extends CheckedTerminal {
  member: FleetMember;
  hardware: TerminalHardware;
  online: boolean;
}

interface PeerRun {
  node: SessionTerminal;
  facts: PeerFacts;
  link: RadioLink;
  session: PeerSession | null;
  /** Its battery was pulled (and stays out until finish()). */
  cut: boolean;
}

interface SessionRun {
  spec: HostSessionSpec;
  facts: HostSessionFacts;
  host: SessionTerminal;
  peers: PeerRun[];
  hosting: Hosting | null;
  hostDone: boolean;
}

export class HostSessionsDriver {
  private constructor(
    private readonly ctx: HostSessionsContext,
    private readonly sessions: SessionRun[],
  ) {}

  /** Enrols every session terminal and builds its hardware; before virtual time starts. */
  static async provision(ctx: HostSessionsContext): Promise<HostSessionsDriver> {
    const casts = await provisionHostSessions(ctx.store, ctx.specs, ctx.seed, ctx.firstIndex, ctx.time.wallMs());
    const sessions = casts.map((cast, i): SessionRun => {
      const spec = ctx.specs[i]!;
      const random = ctx.random.fork(`host-session/${i}`);
      const storeProfile = resolveProfile(spec.storePreset);
      const offline = new Set(pick(random.fork('offline'), spec.peers, Math.round(spec.peersOffline * spec.peers)));
      const localProfile = resolveProfile({ ...spec.localRadio, preset: spec.localPreset as never });
      const host = terminalOf(ctx, cast.host, storeProfile, spec.flashBytes, random.fork('host'));
      const run: SessionRun = {
        spec,
        host,
        hosting: null,
        hostDone: false,
        peers: [],
        facts: {
          index: i,
          title: spec.title,
          host: cast.host.deviceId,
          part: null,
          billing: null,
          seats: spec.seats,
          seatPriceMinor: 0,
          licenceId: null,
          totalMinor: 0,
          seated: [],
          refusedSeatsFull: [],
          noticed: [],
          ended: false,
          relayedOnline: false,
          pendingNotices: 0,
          error: null,
          peers: [],
        },
      };
      cast.peers.forEach((member, k) => {
        const peerRandom = random.fork(`peer/${k}`);
        const plan = peerRandom.fork('plan');
        const joinAtMs = spec.atMs + Math.round(plan.next01() * spec.joinSpreadMs);
        const leaves = plan.next01() < spec.leaveProbability;
        const leaveAtFraction = leaves ? 0.2 + 0.6 * plan.next01() : null;
        const dark = offline.has(k);
        // A dark store link: no coverage from the start to well past the end of the run.
        const profile: RadioProfile = dark ? { ...storeProfile, blackouts: [...storeProfile.blackouts, { atMs: 0, durationMs: ctx.durationMs + 3_600_000 }] } : storeProfile;
        const node = terminalOf(ctx, member, profile, spec.flashBytes, peerRandom.fork('terminal'));
        const link = new RadioLink(localProfile, ctx.time, peerRandom.fork('local'), { host: (conn, name) => handOver(run, conn, name, ctx) }, { peerName: `${member.deviceId}~local` });
        const facts: PeerFacts = {
          id: member.deviceId,
          offline: dark,
          joinAtMs,
          leaveAtFraction,
          joined: false,
          seat: null,
          outcome: 'not-joined',
          played: false,
          refusal: null,
          endReason: null,
          baseline: null,
          after: null,
          hostedPartsLeft: [],
          restarted: false,
          heldAtCut: null,
        };
        run.peers.push({ node, facts, link, session: null, cut: false });
        run.facts.peers.push(facts);
      });
      return run;
    });
    return new HostSessionsDriver(ctx, sessions);
  }

  /** What the driver has recorded so far, per session (finish() completes it). */
  facts(): HostSessionFacts[] {
    return this.sessions.map((s) => s.facts);
  }

  /** Every session terminal, for the fleet-wide invariants (storage limit, integrity). */
  terminals(): CheckedTerminal[] {
    return this.sessions.flatMap((s) => [s.host, ...s.peers.map((p) => p.node)]);
  }

  /** Starts every session terminal and sets each host and peer going on the clock. */
  async boot(): Promise<void> {
    for (const run of this.sessions) {
      for (const node of [run.host, ...run.peers.map((p) => p.node)]) await this.ctx.time.track(this.start(node));
      void this.runHost(run).finally(() => (run.hostDone = true));
      for (const peer of run.peers) this.ctx.time.setTimer(peer.facts.joinAtMs, () => void this.runPeer(run, peer));
    }
  }

  /** Every host is done (ended and relayed, or failed) and every peer that joined is over. */
  done(): boolean {
    return this.sessions.every((s) => s.hostDone && s.peers.every((p) => p.cut || (p.session === null ? s.facts.error !== null : p.session.state === 'over')));
  }

  /**
   * The facts at the end of the run: seats and notices from each host, each peer's footprint
   * now. A peer powered off at the end is started again first: a hosted part never survives a
   * restart [FW-14.6], so its footprint is measured after the start's cleanup.
   */
  async finish(): Promise<HostSessionFacts[]> {
    for (const run of this.sessions) {
      const { facts, hosting } = run;
      if (hosting) {
        facts.seated = hosting.session.seatList().map((s) => s.peer);
        facts.pendingNotices = (await hosting.session.pendingNotices()).length;
      }
      for (const peer of run.peers) {
        if (!peer.facts.joined) continue;
        if (!peer.node.hardware.flash.powered) {
          peer.node.hardware.powerOn();
          peer.node.flash = peer.node.hardware.flash;
          await this.start(peer.node);
          peer.facts.restarted = true;
        }
        peer.facts.after = await peerFootprint(peer.node.terminal, peer.node.flash);
        peer.facts.hostedPartsLeft = facts.part === null ? [] : peer.node.terminal.storage().parts.filter((p) => p.part === facts.part).map((p) => p.part);
      }
    }
    return this.sessions.map((s) => s.facts);
  }

  /**
   * Pulls the battery of one peer `afterMs` after its join time, and leaves it off (tests: a
   * peer cut mid-session deletes the hosted part at its next start, which finish() makes).
   */
  powerCutPeerAfterJoin(sessionIndex: number, peerIndex: number, afterMs: number): void {
    const peer = this.sessions[sessionIndex]?.peers[peerIndex];
    if (!peer) throw new FairwayError('not-found', `no peer ${peerIndex} in host session ${sessionIndex}`);
    this.ctx.time.setTimer(peer.facts.joinAtMs + afterMs, () => {
      const part = this.sessions[sessionIndex]!.facts.part;
      peer.facts.heldAtCut = part !== null && peer.node.terminal.storage().parts.some((p) => p.part === part);
      this.trace(peer.node.id, 'peer.power-cut', `${peer.session?.state ?? 'not joined'}${peer.facts.heldAtCut ? ' holding the part' : ''}`);
      peer.node.hardware.powerCut();
      void peer.node.terminal.powerCut();
      // The PowerGate stops storage and link, not the clock: the dead terminal's peer session
      // would go on firing timers (reconnects, the licence's exp) whose deletes now reject. Its
      // CPU stopped with the battery, so stop the session; what it held stays on flash for the
      // next start to delete.
      peer.session?.leave().catch(() => undefined);
      // Off for good: the driver stops waiting for its session.
      peer.cut = true;
    });
  }

  private async start(node: SessionTerminal): Promise<void> {
    const { ctx } = this;
    const terminal = createTerminal(node.hardware.hal, {
      deviceId: node.member.deviceId,
      user: node.member.userId,
      password: node.member.password,
      storePublicKey: ctx.storePublicKey,
      executor: simExecutor(ctx.executor, ctx.time, (p) => ctx.time.track(p), { playMs: () => 60_000, goesOn: () => false }),
      playSeed: (part) => hashSeed(`${ctx.seed}/${node.id}/${part}`),
    });
    node.terminal = terminal;
    terminal.on('charged', (c) => {
      if (node.chargedTransfers.has(c.transfer)) return;
      node.chargedTransfers.add(c.transfer);
      ctx.trace.record({ atMs: ctx.time.monotonicMs(), terminal: node.id, kind: 'charged', detail: `${c.part} ${c.price}` });
    });
    terminal.on('warning', (w) => {
      if (w.message.includes("not one of this device's down topics")) node.foreignTopics++;
    });
    terminal.on('radio', (r) => {
      node.online = r.online;
      ctx.trace.record({ atMs: ctx.time.monotonicMs(), terminal: node.id, kind: r.online ? 'radio.up' : 'radio.down' });
    });
    await terminal.start();
  }

  private trace(terminal: string, kind: string, detail?: string): void {
    this.ctx.trace.record({ atMs: this.ctx.time.monotonicMs(), terminal, kind, ...(detail !== undefined && { detail }) });
  }

  private sleepUntil(atMs: number): Promise<void> {
    return new Promise((resolve) => this.ctx.time.setTimer(Math.max(0, atMs - this.ctx.time.monotonicMs()), resolve));
  }

  private waitFor(terminal: Terminal, test: (s: TerminalSnapshot) => boolean): Promise<TerminalSnapshot> {
    return terminal.waitFor(test, Math.max(1, this.ctx.durationMs - this.ctx.time.monotonicMs()));
  }

  private async runHost(run: SessionRun): Promise<void> {
    const { spec, facts, host } = run;
    const id = host.id;
    const terminal = host.terminal;
    try {
      const menu = await this.waitFor(terminal, (s) => s.state === 'menu.idle' || s.state.startsWith('failed.'));
      if (menu.state !== 'menu.idle') throw new Error(`the host never reached the menu (${menu.state})`);
      const entry = terminal.menu().find((m) => m.title === spec.title);
      if (!entry) throw new Error(`${spec.title} is not on the host's menu`);
      facts.part = entry.firstPart;
      this.trace(id, 'host.buy', entry.firstPart);
      terminal.buy(spec.title, { autoPlay: false });
      const bought = await this.waitFor(terminal, (s) => s.state === 'title.ready' || s.state === 'title.needsCredit' || s.state.startsWith('failed.'));
      if (bought.state !== 'title.ready') throw new Error(`the host could not buy ${entry.firstPart} (${bought.state})`);
      await this.sleepUntil(spec.atMs);
      const hosting = await terminal.host(entry.firstPart, spec.seats, {
        events: {
          joined: (e) => this.trace(id, 'host.joined', `${e.peer} seat ${e.seat}${e.rejoined ? ' rejoined' : ''}`),
          refused: (e) => {
            this.trace(id, 'host.refused', `${e.peer} ${e.code}`);
            if (e.code === 'seats-full' && !facts.refusedSeatsFull.includes(e.peer)) facts.refusedSeatsFull.push(e.peer);
          },
          notice: (e) => {
            this.trace(id, 'host.notice', `${e.peer} seat ${e.seat}${e.fresh ? '' : ' again'}`);
            if (!facts.noticed.includes(e.peer)) facts.noticed.push(e.peer);
          },
          badInput: (e) => this.trace(id, 'host.bad-input', e.code),
          ended: (e) => this.trace(id, 'host.ended', e.reason),
        },
      });
      run.hosting = hosting;
      facts.licenceId = Buffer.from(hosting.licence.licence).toString('hex');
      facts.billing = hosting.licence.billing;
      facts.seatPriceMinor = hosting.licence.seatPrice;
      facts.totalMinor = hosting.totalMinor;
      // Not the licence id: the store mints it from its own randomness, outside the run's seed.
      this.trace(id, 'host.licence', `${hosting.licence.billing} ${hosting.licence.seats}×${hosting.licence.seatPrice}`);
      await this.sleepUntil(spec.atMs + spec.sessionMs);
      await hosting.end();
      facts.ended = true;
      const online = host.online;
      const relayed = await terminal.relayNotices();
      facts.relayedOnline = online && host.online;
      this.trace(id, 'host.relayed', `${relayed}${online ? '' : ' offline'}`);
    } catch (error) {
      facts.error = (error as Error).message;
      this.trace(id, 'host.failed', facts.error);
    }
  }

  private async runPeer(run: SessionRun, peer: PeerRun): Promise<void> {
    const { node, facts } = peer;
    const id = node.id;
    if (run.facts.error !== null || peer.cut) return;
    facts.baseline = await peerFootprint(node.terminal, node.flash);
    facts.joined = true;
    facts.outcome = 'waiting';
    this.trace(id, 'peer.join', facts.leaveAtFraction === null ? undefined : `leaves at ${facts.leaveAtFraction.toFixed(3)}`);
    const session = node.terminal.joinHost(peer.link, {
      events: {
        joined: (e) => {
          facts.seat = e.seat;
          this.trace(id, 'peer.joined', `seat ${e.seat}${e.rejoin ? ' rejoin' : ''}`);
        },
        dropped: (e) => this.trace(id, 'peer.dropped', e.reason),
        received: (e) => this.trace(id, 'peer.received', e.part),
        ended: (e) => {
          facts.endReason = e.reason;
          this.trace(id, 'peer.deleted', e.reason);
        },
      },
    });
    peer.session = session;
    session.receive().then(
      (reception) => {
        facts.outcome = 'received';
        // The peer plays what it received, with no store in the loop, while the session lasts.
        // Not tracked as a whole: the play ends on a virtual timer, which a tracked promise would
        // stop from ever firing (the sim executor tracks its own real work).
        node.terminal.playHosted(session, reception).then(
          () => {
            facts.played = true;
            this.trace(id, 'peer.played', reception.manifest.part);
          },
          (error: unknown) => this.trace(id, 'peer.playFailed', error instanceof Error ? error.message : String(error)),
        );
      },
      (error: unknown) => {
        if (error instanceof HostRefusedError) {
          facts.refusal = error.code;
          facts.outcome = error.code === 'seats-full' ? 'refused' : 'failed';
          this.trace(id, 'peer.refused', error.code);
        } else if (facts.outcome === 'waiting') facts.outcome = facts.endReason === 'left' ? 'left' : 'failed';
      },
    );
    if (facts.leaveAtFraction !== null) this.watchToLeave(peer, session, facts.leaveAtFraction);
  }

  /** Leaves once the share of chunks received reaches the drawn fraction, if still receiving. */
  private watchToLeave(peer: PeerRun, session: PeerSession, fraction: number): void {
    const look = () => {
      if (session.state === 'over' || session.state === 'noticing' || session.state === 'received') return;
      const progress = session.progress();
      if (progress && progress.totalChunks > 0 && progress.receivedChunks / progress.totalChunks >= fraction) {
        peer.facts.outcome = 'left';
        this.trace(peer.node.id, 'peer.leave', `${progress.receivedChunks}/${progress.totalChunks}`);
        void session.leave();
        return;
      }
      this.ctx.time.setTimer(LEAVE_POLL_MS, look);
    };
    look();
  }
}

function terminalOf(ctx: HostSessionsContext, member: FleetMember, profile: RadioProfile, flashBytes: number, random: SimRandom): SessionTerminal {
  const hardware = buildTerminalHal({ time: ctx.time, random, profile, flashBytes, signer: member.signer, attach: ctx.attach, peerName: member.deviceId });
  return {
    id: member.deviceId,
    member,
    hardware,
    terminal: null as unknown as Terminal,
    flash: hardware.flash,
    chargedTransfers: new Set(),
    foreignTopics: 0,
    online: false,
  };
}

/** A peer's local connection reaches the host: served once there is a hosting, closed before. */
function handOver(run: SessionRun, conn: LinkConnection, name: string, ctx: HostSessionsContext): void {
  const hosting = run.hosting;
  if (!hosting) {
    ctx.trace.record({ atMs: ctx.time.monotonicMs(), terminal: run.host.id, kind: 'host.not-yet', detail: name });
    void conn.close().catch(() => undefined);
    return;
  }
  void hosting.serve(conn).catch(() => undefined);
}
