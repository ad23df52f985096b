/**
 * PeerSession: a nearby terminal receiving a part from a host [FW-14] (seed 000 claims 2, 9).
 * It needs no store connection: only the local link, the store's public key to check what the
 * host relays [FW-14.3], and its own device key to sign the reception notice [FW-13.5].
 *
 *   join → verify licence + manifest (store key), part/partHash, exp — before any byte is kept
 *   → note the hosted part durably, reserve its storage → stream with PartDownload (windows,
 *   timeouts, each chunk verified) → whole-part check → sign the notice → send it until
 *   `notice.ok` (same bytes, same rid) → wait for `end` or `exp` → delete the part.
 *
 * After a link drop it reconnects (back-off on the Clock), rejoins and asks only for what is
 * missing [FW-14.4]. A part it hosts never outlives the session: `end`, the licence's `exp` by
 * its own clock, `leave()`, or at the next start `cleanupAtStart` [FW-14.6].
 */
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import type { Timer } from '../../sdk/hal/clock.js';
import type { Storage } from '../../sdk/hal/storage.js';
import { seatNoticeArtefact } from '../../sdk/licence/index.js';
import { decodeLocalMessage, DEFAULT_MAX_FRAME_BYTES, encodeLocalMessage, type HostMessage, type LocalMessageOf, type PeerMessage } from '../../sdk/local/index.js';
import { equalBytes } from '../../sdk/manifest/manifest.js';
import { managerPartFiles } from '../actors/part-files.js';
import { PartDownload, type DownloadProgress } from '../download/part-download.js';
import type { StorageManager } from '../storage/storage-manager.js';
import { FramedConnection, type ReadEnd } from './framed-connection.js';
import { cleanupHostedParts, removeHostedRecord, writeHostedRecord } from './hosted-record.js';
import { HostRefusedError } from './peer-errors.js';
import { verifyJoined, type VerifiedSession } from './peer-verify.js';
import { deferred } from './deferred.js';
import type { PeerEndReason, PeerEvents, PeerReception, PeerSessionOptions, PeerState } from './peer-types.js';

export type { PeerEndReason, PeerState, PeerReception, PeerEvents, PeerSessionOptions } from './peer-types.js';

type PeerOutbound = PeerMessage extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

const TRANSIENT_ERRORS = new Set(['internal', 'busy', 'rate-limited']);

/** Window rids remembered for `busy` answers. */
const MAX_WINDOW_RIDS = 256;
const utf8 = new TextEncoder();


export class PeerSession {
  private current: PeerState = 'idle';
  private framed: FramedConnection | null = null;
  private awaitingJoin = false;
  private verified: VerifiedSession | null = null;
  private licenceBytes: Uint8Array | null = null;
  private manifestBytes: Uint8Array | null = null;
  private seat = 0;
  private reserved = false;
  private download: PartDownload | null = null;
  private noticeBytes: Uint8Array | null = null;
  private checking = false;
  private nextRid: number;
  private readonly joinRid: number;
  private noticeRid = 0;
  private readonly windowRids = new Map<number, number>();
  private resendTimer: Timer | null = null;
  private windowTimer: Timer | null = null;
  private reconnectTimer: Timer | null = null;
  private expiryTimer: Timer | null = null;
  private readonly busyTimers = new Set<Timer>();
  private reconnectDelayMs: number;
  private readonly receivedPart = deferred<PeerReception>();
  private readonly endedWith = deferred<PeerEndReason>();
  private readonly events: Partial<PeerEvents>;
  readonly stats = { connects: 0, joins: 0, drops: 0, joinResends: 0, noticeSends: 0, ignoredBodies: 0 };

  constructor(private readonly o: PeerSessionOptions) {
    const r = o.crypto.randomBytes(4);
    // A random start keeps a restarted peer's rids clear of the host's (none are cached, but it costs nothing).
    this.nextRid = (((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 2) + 1;
    this.joinRid = this.takeRid();
    this.reconnectDelayMs = o.reconnectDelayMs ?? 250;
    this.events = o.events ?? {};
  }

  /** Deletes whatever hosted part a cut session left on this device [FW-14.6]; returns the parts deleted. */
  static cleanupAtStart(storage: Storage, parts: StorageManager): Promise<string[]> {
    return cleanupHostedParts(storage, parts);
  }

  get state(): PeerState {
    return this.current;
  }

  /** A method, not a field read, so checks after an await are not narrowed away. */
  private isOver(): boolean {
    return this.current === 'over';
  }

  /** Resolves once the part is whole, verified and its notice acknowledged by the host. */
  receive(): Promise<PeerReception> {
    if (this.current === 'idle') {
      this.current = 'joining';
      void this.connect();
    }
    return this.receivedPart.promise;
  }

  /** Resolves once the session is over and the hosted part (if any) deleted. */
  get ended(): Promise<PeerEndReason> {
    return this.endedWith.promise;
  }

  /** The signed notice, once made. */
  notice(): Uint8Array | null {
    return this.noticeBytes;
  }

  progress(): DownloadProgress | null {
    return this.download?.progress() ?? null;
  }

  /** The user leaves: the part is deleted now. */
  async leave(): Promise<void> {
    await this.finish('left');
  }

  /** Drops the link as a radio fade would (tests, a vendor's "airplane mode"); the session reconnects. */
  dropLink(): void {
    void this.framed?.link.close();
  }

  // ---- connection -------------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.reconnectTimer = null;
    if (this.current === 'over') return;
    let link;
    try {
      link = await this.o.link.connect();
    } catch (error) {
      if (!isFairwayError(error)) throw error;
      return this.scheduleReconnect();
    }
    if (this.isOver()) return void link.close().catch(() => undefined);
    const framed = new FramedConnection(link, this.o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    this.framed = framed;
    this.stats.connects++;
    void framed.readLoop((body) => this.onBody(framed, body)).then((end) => this.onReadEnd(framed, end));
    this.awaitingJoin = true;
    this.sendJoin(framed);
  }

  private sendJoin(framed: FramedConnection): void {
    if (framed !== this.framed || !this.awaitingJoin) return;
    this.stats.joins++;
    this.send(framed, { t: 'join', rid: this.joinRid, peer: this.o.peerId });
    this.armResend(() => {
      this.stats.joinResends++;
      this.sendJoin(framed);
    });
  }

  private onReadEnd(framed: FramedConnection, end: ReadEnd): void {
    if (framed !== this.framed) return;
    this.framed = null;
    this.awaitingJoin = false;
    this.resendTimer?.cancel();
    this.windowTimer?.cancel();
    void framed.close();
    if (this.current === 'over') return;
    this.stats.drops++;
    this.events.dropped?.({ reason: end.kind });
    this.download?.onLinkDrop(this.o.clock.monotonicMs());
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.current === 'over' || this.reconnectTimer) return;
    const delayMs = this.reconnectDelayMs;
    this.reconnectDelayMs = Math.min(delayMs * 2, this.o.maxReconnectDelayMs ?? 8_000);
    this.reconnectTimer = this.o.clock.setTimer(delayMs, () => void this.connect());
  }

  // ---- what the host sends ----------------------------------------------------------------

  private async onBody(framed: FramedConnection, body: Uint8Array): Promise<void> {
    if (framed !== this.framed || this.current === 'over') return;
    let message: HostMessage;
    try {
      message = decodeLocalMessage(body, 'host', this.o.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES) as HostMessage;
    } catch (error) {
      if (!isFairwayError(error)) throw error;
      this.stats.ignoredBodies++;
      return;
    }
    try {
      await this.handle(framed, message);
    } catch (error) {
      if (this.isOver()) return;
      await this.finish('failed', isFairwayError(error) ? error : new FairwayError('io', String(error)));
    }
  }

  private async handle(framed: FramedConnection, message: HostMessage): Promise<void> {
    switch (message.t) {
      case 'joined':
        return this.onJoined(framed, message);
      case 'chunk':
        return this.onChunk(message);
      case 'notice.ok':
        return this.onNoticeOk(message.rid);
      case 'end':
        if (this.verified && equalBytes(message.licence, this.verified.licence.licence)) await this.finish(message.reason);
        else this.stats.ignoredBodies++;
        return;
      case 'refusal':
        return this.onRefusal(message);
      case 'error':
        return this.onError(message);
    }
  }

  private async onJoined(framed: FramedConnection, joined: LocalMessageOf<'joined'>): Promise<void> {
    if (!this.awaitingJoin || joined.rid !== this.joinRid) return void this.stats.ignoredBodies++;
    this.awaitingJoin = false;
    this.resendTimer?.cancel();
    if (this.verified === null) {
      // Everything is checked before the first byte is kept [FW-14.3].
      this.verified = await verifyJoined(joined, this.o.storePublicKey, this.o.crypto, this.o.clock.wallMs());
      this.licenceBytes = joined.licence;
      this.manifestBytes = joined.manifest;
      this.seat = joined.seat;
      this.armExpiry();
      await this.prepareStorage(joined);
      // left or ended while reserving: what was just reserved goes too.
      if (this.isOver()) return this.deletePart();
      this.current = 'streaming';
      this.events.joined?.({ seat: joined.seat, rejoin: false });
    } else {
      if (!equalBytes(joined.licence, this.licenceBytes!) || !equalBytes(joined.manifest, this.manifestBytes!) || joined.seat !== this.seat) {
        throw new FairwayError('bad-signature', 'the host rejoined us under another licence, manifest or seat');
      }
      this.events.joined?.({ seat: joined.seat, rejoin: true });
    }
    this.reconnectDelayMs = this.o.reconnectDelayMs ?? 250;
    if (framed !== this.framed) return;
    if (this.current === 'streaming') await this.advance();
    else if (this.current === 'noticing') this.sendNotice();
  }

  private async prepareStorage(joined: LocalMessageOf<'joined'>): Promise<void> {
    const { licence, manifest } = this.verified!;
    if (this.o.parts.get(manifest.part)) throw new FairwayError('invalid-argument', `part ${manifest.part} is already on this device as its own`, 'part');
    await writeHostedRecord(this.o.storage, { part: manifest.part, licence: licence.licence });
    const chunks = manifest.chunks.length;
    await this.o.parts.reserve({
      part: manifest.part,
      title: manifest.title,
      seq: manifest.seq,
      base: manifest.base,
      dataBytes: manifest.size,
      sideBytes: joined.manifest.length + Math.ceil(chunks / 8),
    });
    this.reserved = true;
    await this.o.parts.write(manifest.part, 'man', 0, joined.manifest);
    this.download = await PartDownload.open({
      manifest,
      crypto: this.o.crypto,
      files: managerPartFiles(this.o.parts, manifest.part),
      windowMax: joined.windowMax,
      ...(this.o.downloadConfig ? { config: this.o.downloadConfig } : {}),
    });
  }

  private async onChunk(chunk: LocalMessageOf<'chunk'>): Promise<void> {
    const dl = this.download;
    if (this.current !== 'streaming' || !dl || !equalBytes(chunk.x, this.verified!.licence.licence)) return void this.stats.ignoredBodies++;
    await dl.onChunk(chunk.i, chunk.d, this.o.clock.monotonicMs());
    await this.advance();
  }

  /** Asks for more, or, once nothing is missing, runs the whole-part check and makes the notice. */
  private async advance(): Promise<void> {
    const dl = this.download;
    if (!dl || this.current !== 'streaming') return;
    if (!dl.isComplete()) return this.pump();
    if (this.checking) return;
    this.checking = true;
    try {
      if (!(await dl.verifyWhole())) return this.pump();
      if (this.current !== 'streaming') return;
      this.windowTimer?.cancel();
      const { licence, manifest } = this.verified!;
      await this.o.parts.markComplete(manifest.part);
      this.noticeBytes = await seatNoticeArtefact.sign(
        {
          v: 1,
          licence: licence.licence,
          peer: this.o.peerId,
          host: licence.host,
          part: manifest.part,
          partHash: manifest.hash,
          nonce: this.o.crypto.randomBytes(16),
          time: this.o.clock.wallMs(),
        },
        this.o.signer,
        utf8.encode(this.o.peerId),
      );
      this.noticeRid = this.takeRid();
      if (this.current !== 'streaming') return;
      this.current = 'noticing';
      this.sendNotice();
    } finally {
      this.checking = false;
    }
  }

  private pump(): void {
    const dl = this.download;
    const framed = this.framed;
    if (!dl || !framed || this.awaitingJoin || this.current !== 'streaming') return;
    const licenceId = this.verified!.licence.licence;
    const clock = this.o.clock;
    for (let w = dl.nextRequest(clock.monotonicMs()); w; w = dl.nextRequest(clock.monotonicMs())) {
      const rid = this.takeRid();
      this.windowRids.set(rid, w.id);
      if (this.windowRids.size > MAX_WINDOW_RIDS) this.windowRids.delete(this.windowRids.keys().next().value as number);
      this.send(framed, { t: 'chunks.get', rid, transfer: licenceId, ...w.form });
    }
    this.windowTimer?.cancel();
    const deadline = dl.nextDeadlineMs();
    if (deadline === null) return;
    this.windowTimer = clock.setTimer(Math.max(0, deadline - clock.monotonicMs()), () => {
      dl.onTick(clock.monotonicMs());
      this.pump();
    });
  }

  private sendNotice(): void {
    const framed = this.framed;
    if (this.current !== 'noticing' || !framed || this.awaitingJoin) return;
    this.stats.noticeSends++;
    this.send(framed, { t: 'notice', rid: this.noticeRid, notice: this.noticeBytes! });
    this.armResend(() => this.sendNotice());
  }

  private onNoticeOk(rid: number): void {
    if (this.current !== 'noticing' || rid !== this.noticeRid) return void this.stats.ignoredBodies++;
    this.resendTimer?.cancel();
    this.current = 'received';
    const { licence, manifest } = this.verified!;
    this.events.received?.({ part: manifest.part });
    this.receivedPart.resolve({ licence, manifest, seat: this.seat, notice: this.noticeBytes! });
  }

  private async onRefusal(refusal: LocalMessageOf<'refusal'>): Promise<void> {
    const error = new HostRefusedError(refusal.code, refusal.message);
    if (refusal.rid === this.joinRid && this.awaitingJoin) {
      return this.finish(refusal.code === 'licence-expired' && this.verified ? 'licence-expired' : 'failed', error);
    }
    if (this.windowRids.has(refusal.rid)) {
      return this.finish(refusal.code === 'licence-expired' ? 'licence-expired' : 'failed', error);
    }
    this.stats.ignoredBodies++;
  }

  private async onError(message: LocalMessageOf<'error'>): Promise<void> {
    const rid = message.rid;
    const window = rid === undefined ? undefined : this.windowRids.get(rid);
    if (window !== undefined && this.download) {
      // busy (or a read fault on the host): forget the window and ask again a little later.
      this.download.cancelWindow(window);
      const timer = this.o.clock.setTimer(message.retryAfterMs ?? 200, () => {
        this.busyTimers.delete(timer);
        this.pump();
      });
      this.busyTimers.add(timer);
      return;
    }
    // internal, busy, rate-limited: the host changed nothing; the resend timer asks again [FW-7.4.4].
    if (TRANSIENT_ERRORS.has(message.code)) return;
    if (rid !== undefined && ((rid === this.joinRid && this.awaitingJoin) || (rid === this.noticeRid && this.current === 'noticing'))) {
      return this.finish('failed', new HostRefusedError(message.code, message.message));
    }
    this.stats.ignoredBodies++;
  }

  // ---- the end ----------------------------------------------------------------------------

  /**
   * The power went: timers off, the link dropped, nothing written — flash is out of reach now.
   * The hosted part and its note stay for `cleanupAtStart` to delete at the next start [FW-14.6].
   */
  halt(): void {
    if (this.current === 'over') return;
    this.current = 'over';
    for (const timer of [this.resendTimer, this.windowTimer, this.reconnectTimer, this.expiryTimer, ...this.busyTimers]) timer?.cancel();
    const framed = this.framed;
    this.framed = null;
    void framed?.close().catch(() => undefined);
    const error = new FairwayError('closed', 'the terminal lost its power during the session');
    if (!this.receivedPart.settled) this.receivedPart.reject(error);
    this.events.ended?.({ reason: 'failed', error });
    this.endedWith.resolve('failed');
  }

  /** Ends the session: timers off, link closed, the hosted part and its note deleted [FW-14.6]. */
  private async finish(reason: PeerEndReason, error?: FairwayError): Promise<void> {
    if (this.current === 'over') return this.endedWith.promise.then(() => undefined);
    this.current = 'over';
    for (const timer of [this.resendTimer, this.windowTimer, this.reconnectTimer, this.expiryTimer, ...this.busyTimers]) timer?.cancel();
    const framed = this.framed;
    this.framed = null;
    await framed?.close();
    // A flash that fails now leaves the part to cleanupAtStart at the next start; the session still ends.
    await this.deletePart().catch(() => undefined);
    if (!this.receivedPart.settled) {
      this.receivedPart.reject(error ?? new FairwayError('closed', `the session ended (${reason}) before the part was received`));
    }
    this.events.ended?.({ reason, ...(error ? { error } : {}) });
    this.endedWith.resolve(reason);
  }

  private async deletePart(): Promise<void> {
    const part = this.verified?.manifest.part;
    if (this.download) await this.download.flush().catch(() => undefined);
    if (part && this.reserved && this.o.parts.get(part)) await this.o.parts.remove(part, { force: true });
    if (this.verified) await removeHostedRecord(this.o.storage);
  }

  /** Deletes the part when the peer's wall clock passes the licence's exp, with or without `end`. */
  private armExpiry(): void {
    const exp = this.verified!.licence.exp;
    const clock = this.o.clock;
    this.expiryTimer = clock.setTimer(Math.max(0, exp - clock.wallMs() + 1), () => {
      this.expiryTimer = null;
      if (this.current === 'over') return;
      if (clock.wallMs() > exp) void this.finish('licence-expired');
      else this.armExpiry();
    });
  }

  // ---- plumbing ---------------------------------------------------------------------------

  private armResend(again: () => void): void {
    this.resendTimer?.cancel();
    this.resendTimer = this.o.clock.setTimer(this.o.requestTimeoutMs ?? 2_000, again);
  }

  /** The one outbound function: encode, frame, write; a dead link is the read loop's to notice. */
  private send(framed: FramedConnection, message: PeerOutbound): void {
    framed.send(encodeLocalMessage({ v: 1, ...message } as never)).catch(() => undefined);
  }

  private takeRid(): number {
    const rid = this.nextRid;
    this.nextRid = this.nextRid >= 0xffff_ffff ? 1 : this.nextRid + 1;
    return rid;
  }
}
