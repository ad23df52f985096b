/**
 * Host mode as the terminal runs it [FW-13]: ask the store for a seat licence for a part it
 * holds, acknowledge it with a signed licence receipt when the title bills up front, then
 * serve peers under it from the part on flash (leased, so the host's own play does not
 * delete it from under them); and relay the peers' reception notices to the store whenever
 * the store session is up, until each has an outcome [FW-13.5.2].
 *
 * Portable: everything comes through the HAL, the store session and the storage manager.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Hal } from '../../sdk/hal/index.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import { licenceArtefact, licenceReceiptArtefact, type Licence } from '../../sdk/licence/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
import { managerPartFiles } from '../actors/part-files.js';
import type { StoreSession } from '../session/store-session.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { HostEvents } from './host-context.js';
import { HostSession, type HostEndReason } from './host-session.js';
import { chunkSpan } from '../../sdk/chunks/index.js';
import type { KeptNotice } from './notice-store.js';

const utf8 = new TextEncoder();
/** The most notices one seat.notices may carry [FW-13.1]. */
const NOTICES_PER_MESSAGE = 64;

export interface HostModeDeps {
  hal: Hal;
  deviceId: string;
  user: string;
  storePublicKey: Uint8Array;
  session: StoreSession;
  parts: StorageManager;
}

/** Why the store would not license: its refusal code (`not-owned`, `insufficient-credit`, …) and words. */
export class LicenceRefusedError extends FairwayError {
  constructor(
    readonly code: string,
    message: string,
    readonly answer: DownMessage,
  ) {
    super('invalid-argument', `the store refused the licence (${code}): ${message}`);
  }
}

export interface Hosting {
  readonly licence: Licence;
  /** What the store holds (per-reception) or charged (upfront), in minor units. */
  readonly totalMinor: number;
  /** Serves one peer's connection on the local link; never rejects for anything a peer sends. */
  serve(conn: LinkConnection): Promise<void>;
  /** Ends the session: peers are told to delete; the part is given back to its own life. */
  end(reason?: HostEndReason): Promise<void>;
  seatsTaken(): number;
  readonly session: HostSession;
}

export interface HostOptions {
  approve?: (peer: string) => boolean | Promise<boolean>;
  events?: Partial<HostEvents>;
  windowMax?: number;
}

export class HostMode {
  private readonly sessions = new Set<HostSession>();
  private relaying: Promise<number> | null = null;

  constructor(private readonly deps: HostModeDeps) {}

  /**
   * Asks for a licence for `seats` peers on `part` (which must be complete on this device),
   * pays for it if the title bills up front, and opens the host session. Refusals reject
   * with LicenceRefusedError and change nothing here.
   */
  async host(part: string, seats: number, options: HostOptions = {}): Promise<Hosting> {
    const { hal, parts, session, storePublicKey } = this.deps;
    const stored = parts.get(part);
    if (!stored || stored.state === 'reserved') throw new FairwayError('invalid-argument', `part ${part} is not complete on this device, so it cannot be hosted`, 'part');
    const manifestBytes = await parts.read(part, 'man', 0, stored.sideBytes);
    const manifest = (await manifestArtefact.open(manifestBytes, storePublicKey, hal.crypto)).payload;

    const answer = await session.request({ t: 'licence.get', part, seats }).reply;
    if (answer.t !== 'licence') throw refusal(answer, 'licence');
    const opened = await licenceArtefact.open(answer.licence, storePublicKey, hal.crypto);
    const licence = opened.payload;
    if (licence.part !== part || licence.host !== this.deps.deviceId || licence.seats !== seats) {
      throw new FairwayError('bad-signature', 'the store signed a licence for something else than was asked');
    }
    if (licence.billing === 'upfront') await this.acknowledge(licence);

    const giveBack = parts.lease(part);
    const files = managerPartFiles(parts, part);
    let hostSession: HostSession;
    try {
      hostSession = await HostSession.open({
        licenceBytes: answer.licence,
        licence,
        manifestBytes,
        manifest,
        readChunk: (index) => {
          const span = chunkSpan(index, manifest.size, manifest.chunkBytes);
          return files.readData(span.offsetBytes, span.lengthBytes);
        },
        clock: hal.clock,
        storage: hal.storage,
        ...(options.approve && { approve: options.approve }),
        ...(options.windowMax !== undefined && { windowMax: options.windowMax }),
        events: {
          ...options.events,
          notice: (info) => {
            options.events?.notice?.(info);
            void this.relayNotices().catch(() => undefined);
          },
          ended: (info) => {
            options.events?.ended?.(info);
            void giveBack();
          },
        },
      });
    } catch (error) {
      await giveBack();
      throw error;
    }
    this.sessions.add(hostSession);
    return {
      licence,
      totalMinor: answer.total,
      session: hostSession,
      serve: (conn) => hostSession.serve(conn),
      end: async (reason) => {
        await hostSession.end(reason);
        await giveBack();
      },
      seatsTaken: () => hostSession.seatsTaken(),
    };
  }

  /**
   * Sends every kept notice not yet answered to the store, 64 per message; marks those that got
   * any outcome. Returns how many got one. Does nothing while offline; one relay at a time.
   */
  relayNotices(): Promise<number> {
    if (this.relaying) return this.relaying;
    this.relaying = this.relayOnce().finally(() => (this.relaying = null));
    return this.relaying;
  }

  /** A peer sends its own notice on its own store connection [FW-13.5.2]; resolves with the outcome. */
  async sendOwnNotice(notice: Uint8Array): Promise<MessageOf<'seat.charges'>['results'][number]> {
    const answer = await this.deps.session.request({ t: 'seat.notices', notices: [notice] }).reply;
    if (answer.t !== 'seat.charges' || answer.results.length !== 1) throw refusal(answer, 'seat.charges');
    return answer.results[0]!;
  }

  private async relayOnce(): Promise<number> {
    if (!this.deps.session.online) return 0;
    let settled = 0;
    for (const session of this.sessions) {
      const pending = await session.pendingNotices();
      for (let i = 0; i < pending.length; i += NOTICES_PER_MESSAGE) {
        const batch: KeptNotice[] = pending.slice(i, i + NOTICES_PER_MESSAGE);
        const answer = await this.deps.session.request({ t: 'seat.notices', notices: batch.map((n) => n.notice) }).reply;
        if (answer.t !== 'seat.charges') throw refusal(answer, 'seat.charges');
        await session.markRelayed(batch.map((n) => ({ licence: n.licence, seat: n.seat })));
        settled += batch.length;
      }
    }
    return settled;
  }

  /** Upfront billing: the host's signed licence receipt, resent until the charge [FW-13.4]. */
  private async acknowledge(licence: Licence): Promise<void> {
    const { hal, deviceId, user, session } = this.deps;
    const receipt = await licenceReceiptArtefact.sign(
      {
        v: 1,
        licence: licence.licence,
        device: deviceId,
        user,
        seats: licence.seats,
        amount: licence.seats * licence.seatPrice,
        nonce: hal.crypto.randomBytes(16),
        time: hal.clock.wallMs(),
      },
      hal.signer,
      utf8.encode(deviceId),
    );
    const answer = await session.request({ t: 'licence.receipt', receipt }).reply;
    if (answer.t !== 'licence.charge') throw refusal(answer, 'licence.charge');
  }
}

function refusal(answer: DownMessage, expected: string): FairwayError {
  if (answer.t === 'refusal' || answer.t === 'error') return new LicenceRefusedError(answer.code, answer.message, answer);
  return new FairwayError('malformed', `expected ${expected}, the store answered ${answer.t}`);
}
