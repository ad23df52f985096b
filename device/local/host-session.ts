/**
 * HostSession: the host terminal's side of a local session [FW-13, FW-14] (seed 000 claims 1,
 * 3, 9: a terminal acting as the server distributes the part it holds to nearby terminals).
 * It serves one part, under one store-signed seat licence, to at most N peers: seats by
 * FW-14.2, chunks by FW-14.4 from the part it holds, notices kept durably by FW-14.5 for
 * relaying to the store later. `end` (or the licence's `exp`, on its own) tells every
 * connected peer to delete the part (claims 2, 9) and closes every connection.
 *
 * Portable: time from the Clock, bytes from a `readChunk` the caller backs with its stored part.
 */
import { chunkCount } from '../../sdk/chunks/index.js';
import { TUNABLES } from '../../sdk/config.js';
import { FairwayError } from '../../sdk/errors.js';
import type { Clock, Timer } from '../../sdk/hal/clock.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import type { Storage } from '../../sdk/hal/storage.js';
import type { Licence } from '../../sdk/licence/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../sdk/local/index.js';
import { equalBytes, type Manifest } from '../../sdk/manifest/manifest.js';
import { dispatchToHost } from './host-dispatch.js';
import { HostConnection } from './host-connection.js';
import type { HostConnectionState, HostContext, HostEvents } from './host-context.js';
import { NoticeStore, type KeptNotice, type NoticeRef } from './notice-store.js';
import { SeatTable } from './seat-table.js';

export type HostEndReason = 'host-ended' | 'licence-expired';

export interface HostSessionOptions {
  /** The store-signed licence, exact bytes [FW-13.3], and its payload. */
  licenceBytes: Uint8Array;
  licence: Licence;
  /** The part's store-signed manifest, exact bytes [FW-6], and its payload. */
  manifestBytes: Uint8Array;
  manifest: Manifest;
  /** Chunk `index` of the part the host holds: exactly its span [FW-6.1]. */
  readChunk(index: number): Promise<Uint8Array>;
  clock: Clock;
  /** Where notices are kept durably (the host's own flash). */
  storage: Storage;
  /** The user approves a nearby terminal [FW-14.2]; default: every one. */
  approve?: (peer: string) => boolean | Promise<boolean>;
  /** Most chunks one chunks.get may name (sent in `joined`); default 64. */
  windowMax?: number;
  /** Chunks queued per peer before windows are answered `busy`; default 4 × windowMax. */
  maxQueuedChunks?: number;
  maxFrameBytes?: number;
  events?: Partial<HostEvents>;
}

export const DEFAULT_HOST_WINDOW_MAX = 64;

export class HostSession implements HostContext {
  readonly licence: Licence;
  readonly licenceBytes: Uint8Array;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  readonly chunkCount: number;
  readonly windowMax: number;
  readonly clock: Clock;
  readonly notices: NoticeStore;
  readonly events: Partial<HostEvents>;
  private readonly connections = new Set<HostConnection>();
  private readonly maxQueuedChunks: number;
  private readonly maxFrameBytes: number;
  private endReason: HostEndReason | null = null;
  private expiryTimer: Timer | null = null;

  private constructor(
    private readonly options: HostSessionOptions,
    readonly seats: SeatTable,
  ) {
    this.licence = options.licence;
    this.licenceBytes = options.licenceBytes;
    this.manifest = options.manifest;
    this.manifestBytes = options.manifestBytes;
    this.chunkCount = chunkCount(options.manifest.size, options.manifest.chunkBytes);
    this.windowMax = options.windowMax ?? DEFAULT_HOST_WINDOW_MAX;
    this.maxQueuedChunks = options.maxQueuedChunks ?? 4 * this.windowMax;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.clock = options.clock;
    this.notices = new NoticeStore(options.storage);
    this.events = options.events ?? {};
  }

  /**
   * Opens a session. Seats already named by notices kept on `storage` for this licence (a host
   * restarted mid-session) are taken again by their peers. The licence must cover the
   * manifest's part (same part, same hash), or invalid-argument.
   */
  static async open(options: HostSessionOptions): Promise<HostSession> {
    const { licence, manifest } = options;
    if (licence.part !== manifest.part || !equalBytes(licence.partHash, manifest.hash)) {
      throw new FairwayError('invalid-argument', `the licence covers ${licence.part}, not the manifest's part ${manifest.part}`, 'licence.partHash');
    }
    const windowMax = options.windowMax ?? DEFAULT_HOST_WINDOW_MAX;
    if (!Number.isInteger(windowMax) || windowMax < 1 || windowMax > TUNABLES.maxWindowChunks.max) {
      throw new FairwayError('out-of-range', `windowMax must be in 1..${TUNABLES.maxWindowChunks.max}`, 'windowMax');
    }
    if (options.maxQueuedChunks !== undefined && (!Number.isInteger(options.maxQueuedChunks) || options.maxQueuedChunks < windowMax)) {
      throw new FairwayError('out-of-range', 'maxQueuedChunks must be an integer ≥ windowMax', 'maxQueuedChunks');
    }
    const kept = await new NoticeStore(options.storage).list(licence.licence);
    const taken = kept.filter((n) => n.seat <= licence.seats).map((n) => [n.peer, n.seat] as const);
    const session = new HostSession(options, new SeatTable(licence.seats, taken));
    session.armExpiry();
    return session;
  }

  /** Serves one peer connection until it closes. Never rejects for anything the peer sends. */
  async serve(link: LinkConnection): Promise<void> {
    const conn = new HostConnection(link, {
      maxQueuedChunks: this.maxQueuedChunks,
      maxFrameBytes: this.maxFrameBytes,
      licence: this.licence.licence,
      readChunk: (index) => this.options.readChunk(index),
      onBadInput: (info) => this.events.badInput?.(info),
    });
    // After the end a peer that connects is still answered: its join gets licence-expired [FW-14.2].
    this.connections.add(conn);
    try {
      await conn.run((message) => dispatchToHost(this, conn, message));
    } finally {
      this.connections.delete(conn);
    }
  }

  /** Sends `end` to every connected peer and closes every connection; later joins are refused. */
  async end(reason: HostEndReason = 'host-ended'): Promise<void> {
    if (this.endReason) return;
    this.endReason = reason;
    this.expiryTimer?.cancel();
    this.events.ended?.({ reason });
    await Promise.all([...this.connections].map((conn) => this.sendEnd(conn, reason)));
  }

  /**
   * The host lost its power: no `end` goes out (a dead handheld sends nothing), timers stop and
   * the connections are dropped. Peers find out by the silence and delete by `exp` at the latest.
   */
  halt(): void {
    if (this.endReason) return;
    this.endReason = 'host-ended';
    this.expiryTimer?.cancel();
    for (const conn of this.connections) void conn.close().catch(() => undefined);
  }

  get ended(): HostEndReason | null {
    return this.endReason;
  }

  isOver(): boolean {
    return this.endReason !== null || this.clock.wallMs() > this.licence.exp;
  }

  async approve(peer: string): Promise<boolean> {
    return (await this.options.approve?.(peer)) ?? true;
  }

  retire(peer: string, keep: HostConnectionState): void {
    for (const conn of this.connections) if (conn !== keep && conn.peer === peer) void conn.close();
  }

  seatsTaken(): number {
    return this.seats.taken;
  }

  seatList(): { peer: string; seat: number }[] {
    return this.seats.list();
  }

  connectedPeers(): string[] {
    return [...this.connections].flatMap((c) => (c.peer === null || c.closed ? [] : [c.peer]));
  }

  /** Notices kept and not yet given an outcome by the store: relay them in `seat.notices`. */
  pendingNotices(): Promise<KeptNotice[]> {
    return this.notices.pending(this.licence.licence);
  }

  /** The store answered these notices (any outcome but a transient `error` [FW-13.1.1]). */
  markRelayed(refs: readonly NoticeRef[]): Promise<void> {
    return this.notices.markRelayed(refs);
  }

  private async sendEnd(conn: HostConnection, reason: HostEndReason): Promise<void> {
    await conn.send({ t: 'end', licence: this.licence.licence, reason });
    await conn.close();
  }

  /** Ends the session by itself at `exp` (by the wall clock, re-checked in case it jumped). */
  private armExpiry(): void {
    const delayMs = Math.max(0, this.licence.exp - this.clock.wallMs() + 1);
    this.expiryTimer = this.clock.setTimer(delayMs, () => {
      this.expiryTimer = null;
      if (this.endReason) return;
      if (this.clock.wallMs() > this.licence.exp) void this.end('licence-expired');
      else this.armExpiry();
    });
  }
}
