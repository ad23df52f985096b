/**
 * RadioLink: the terminal's Link over a modelled radio, straight into the broker in the same
 * process. connect() takes the profile's connect delay (finishing only when the radio is good),
 * then hands the broker's end of a fresh RadioCircuit (a Node Duplex) to `attach` — which calls
 * `broker.acceptStream` — and the terminal's end to the caller.
 *
 * The link owns what outlives one connection: the Gilbert–Elliott channel (the radio's state is
 * the terminal's, not the connection's), the blackout windows and the counters. Each connection
 * gets its own random stream (`connection-<n>`), with sub-streams for each direction's latency and
 * for the drop process, so no draw depends on anything but the seed and the connection's number.
 * Faults, all on SimClock timers set only while a connection is open:
 * - drops: connected time to the next drop is exponential with mean dropIntervalMsMean (a Poisson
 *   process over up-time); both ends reset;
 * - blackouts: the connection open at a window's start resets; connect() rejects with link-reset
 *   ('no radio') inside a window, and when a window opens while connecting;
 * - half-open: the connection open at halfOpenAtMs freezes silently — no drop or blackout reaches
 *   it afterwards either, so the terminal must find out by itself (keep-alive). Later connections
 *   are healthy.
 */
import type { Duplex } from 'node:stream';
import { FairwayError } from '../../sdk/errors.js';
import type { Timer } from '../../sdk/hal/clock.js';
import type { Link, LinkConnection } from '../../sdk/hal/link.js';
import type { SimClock } from './clock.js';
import { GilbertElliottChannel } from './radio-channel.js';
import { RadioCircuit } from './radio-connection.js';
import { RadioDirection } from './radio-direction.js';
import { blackoutSchema, connectDelayMsOf, parseOrThrow, radioProfileSchema, type BlackoutWindow, type RadioProfile } from './radio-profile.js';
import type { SimRandom } from './random.js';

/**
 * Hands the broker its end of a new connection (in the simulator: `broker.acceptStream`). Like a
 * socket, the stream emits 'error' (ECONNRESET) when the radio resets it: the receiver must listen.
 */
export type AttachBroker = (brokerSide: Duplex, peer: string) => void;

/**
 * Hands a host handheld its end of a new local connection as a pulled LinkConnection (a
 * local link between handhelds [FW-14]: no broker, no Node stream on either side).
 */
export interface AttachHost {
  host(hostSide: LinkConnection, peer: string): void;
}

export interface RadioLinkOptions {
  /** Names this terminal's connections in the broker's log: `<peerName>#<n>`. Default 'radio'. */
  peerName?: string;
}

export interface RadioLinkStats {
  /** Connections opened. */
  connects: number;
  /** connect() calls refused for want of coverage. */
  connectFailures: number;
  /** Bytes that arrived at the broker / at the terminal. */
  uplinkBytes: number;
  downlinkBytes: number;
  /** Stalls (bad-state spans) begun, and time spent in the bad state, since the link was made. */
  stalls: number;
  badStateMs: number;
  /** Connections reset by the drop process. */
  drops: number;
  /** Connections reset by the start of a blackout. */
  blackoutResets: number;
  /** Connections turned half-open. */
  halfOpens: number;
  /** Time with a connection open. */
  upTimeMs: number;
}

interface OpenConnection {
  circuit: RadioCircuit;
  openedAtMs: number;
  timers: Timer[];
}

export class RadioLink implements Link {
  readonly profile: RadioProfile;
  private readonly channel: GilbertElliottChannel;
  private readonly blackouts: BlackoutWindow[];
  private readonly peerName: string;
  private readonly open = new Set<OpenConnection>();
  private connectionCount = 0;
  private finishedUpTimeMs = 0;
  private readonly counters = { connects: 0, connectFailures: 0, uplinkBytes: 0, downlinkBytes: 0, drops: 0, blackoutResets: 0, halfOpens: 0 };

  constructor(
    profile: RadioProfile,
    private readonly time: SimClock,
    private readonly random: SimRandom,
    private readonly attach: AttachBroker | AttachHost,
    options: RadioLinkOptions = {},
  ) {
    this.profile = parseOrThrow(radioProfileSchema, profile, 'radio profile') as RadioProfile;
    if (typeof attach !== 'function' && typeof (attach as Partial<AttachHost> | null)?.host !== 'function') {
      throw new FairwayError('invalid-argument', 'attach must be a function, or an object with host()');
    }
    this.peerName = options.peerName ?? 'radio';
    this.blackouts = sortedWindows(this.profile.blackouts);
    this.channel = new GilbertElliottChannel(
      () => time.monotonicMs(),
      time.monotonicMs(),
      this.profile.stepMs,
      this.profile.badStateEnterProbability,
      this.profile.badStateExitProbability,
      random.fork('channel'),
    );
  }

  connect(): Promise<LinkConnection> {
    const startedMs = this.time.monotonicMs();
    if (this.blackoutAt(startedMs)) return Promise.reject(this.noRadio());
    const readyMs = this.channel.firstGoodAtOrAfter(startedMs + connectDelayMsOf(this.profile));
    return new Promise((resolve, reject) => {
      this.time.setTimer(readyMs - startedMs, () => {
        if (this.blackoutStartedBetween(startedMs, this.time.monotonicMs())) {
          reject(this.noRadio());
          return;
        }
        try {
          resolve(this.openConnection().terminal);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  /** Adds a window of no coverage (a scenario's blackout); open connections reset at its start. */
  addBlackout(window: BlackoutWindow): void {
    this.blackouts.push(parseOrThrow(blackoutSchema, window, 'blackout'));
    this.blackouts.sort((a, b) => a.atMs - b.atMs);
    for (const connection of this.open) this.armBlackoutReset(connection);
  }

  /** Drops every open connection now, as the drop process does. */
  dropNow(): void {
    for (const connection of [...this.open]) this.resetConnection(connection, 'drops', 'the radio dropped the connection');
  }

  /** Turns every open connection half-open now, as halfOpenAtMs does (a scenario's freeze). */
  freezeNow(): void {
    for (const connection of [...this.open]) if (!connection.circuit.frozen) this.freeze(connection);
  }

  /** Connections open now. */
  get openConnectionCount(): number {
    return this.open.size;
  }

  stats(): RadioLinkStats {
    const nowMs = this.time.monotonicMs();
    let upTimeMs = this.finishedUpTimeMs;
    for (const connection of this.open) upTimeMs += nowMs - connection.openedAtMs;
    return { ...this.counters, ...this.channel.stats(nowMs), upTimeMs };
  }

  private openConnection(): RadioCircuit {
    const index = this.connectionCount++;
    const random = this.random.fork(`connection-${index}`);
    const { profile, time, channel } = this;
    const direction = (bitsPerS: number, label: string, count: (bytes: number) => void) =>
      new RadioDirection(
        { bitsPerS, latencyMsMean: profile.latencyMsMean, latencyMsJitter: profile.latencyMsJitter, maxBufferedBytes: profile.maxBufferedBytes },
        time,
        channel,
        random.fork(label),
        count,
      );
    const up = direction(profile.uplinkBitsPerS, 'up', (bytes) => (this.counters.uplinkBytes += bytes));
    const down = direction(profile.downlinkBitsPerS, 'down', (bytes) => (this.counters.downlinkBytes += bytes));
    let connection: OpenConnection | undefined;
    const attach = this.attach;
    const circuit = new RadioCircuit(
      up,
      down,
      `${this.peerName}#${index}`,
      () => {
        if (connection) this.closed(connection);
      },
      typeof attach === 'function' ? 'stream' : 'pull',
    );
    connection = { circuit, openedAtMs: time.monotonicMs(), timers: [] };
    this.open.add(connection);
    this.counters.connects++;
    this.armFaults(connection, random);
    try {
      if (typeof attach === 'function') attach(circuit.broker!, circuit.peer);
      else attach.host(circuit.host!, circuit.peer);
    } catch (error) {
      circuit.reset('the broker did not take the connection');
      const reason = error instanceof Error ? error.message : String(error);
      throw new FairwayError('link-reset', `the broker did not take the connection: ${reason}`);
    }
    return circuit;
  }

  private armFaults(connection: OpenConnection, random: SimRandom): void {
    const { profile, time } = this;
    const nowMs = time.monotonicMs();
    if (profile.dropIntervalMsMean > 0) {
      const afterMs = random.fork('drop').exponential(profile.dropIntervalMsMean);
      connection.timers.push(time.setTimer(afterMs, () => this.resetConnection(connection, 'drops', 'the radio dropped the connection')));
    }
    this.armBlackoutReset(connection);
    if (profile.halfOpenAtMs !== undefined && profile.halfOpenAtMs >= nowMs) {
      connection.timers.push(time.setTimer(profile.halfOpenAtMs - nowMs, () => this.freeze(connection)));
    }
  }

  private armBlackoutReset(connection: OpenConnection): void {
    const nowMs = this.time.monotonicMs();
    const next = this.blackouts.find((window) => window.atMs >= nowMs);
    if (!next || connection.circuit.frozen) return;
    connection.timers.push(
      this.time.setTimer(next.atMs - nowMs, () => this.resetConnection(connection, 'blackoutResets', 'no radio: coverage lost')),
    );
  }

  private resetConnection(connection: OpenConnection, counter: 'drops' | 'blackoutResets', reason: string): void {
    if (!this.open.has(connection) || connection.circuit.frozen) return;
    this.counters[counter]++;
    connection.circuit.reset(reason);
  }

  private freeze(connection: OpenConnection): void {
    if (!this.open.has(connection)) return;
    this.counters.halfOpens++;
    connection.circuit.freeze();
    // Nothing reaches a half-open connection any more, not even a drop.
    for (const timer of connection.timers.splice(0)) timer.cancel();
  }

  private closed(connection: OpenConnection): void {
    if (!this.open.delete(connection)) return;
    this.finishedUpTimeMs += this.time.monotonicMs() - connection.openedAtMs;
    for (const timer of connection.timers.splice(0)) timer.cancel();
  }

  private blackoutAt(atMs: number): boolean {
    return this.blackouts.some((window) => window.atMs <= atMs && atMs < window.atMs + window.durationMs);
  }

  /** True when coverage was lost at some moment in (fromMs, toMs]. */
  private blackoutStartedBetween(fromMs: number, toMs: number): boolean {
    return this.blackoutAt(toMs) || this.blackouts.some((window) => window.atMs > fromMs && window.atMs <= toMs);
  }

  private noRadio(): FairwayError {
    this.counters.connectFailures++;
    return new FairwayError('link-reset', 'no radio');
  }
}

function sortedWindows(windows: readonly BlackoutWindow[]): BlackoutWindow[] {
  return windows.map((window) => ({ ...window })).sort((a, b) => a.atMs - b.atMs);
}
