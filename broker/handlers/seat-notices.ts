/**
 * seat.notices → seat.charges [FW-13.5]: peers' signed reception notices, sent by the peer
 * itself or relayed by its host (seed 000 claim 8). Each is judged on its own, in order
 * [FW-13.5.1]: signed by an enrolled, unrevoked device named by its kid (the same key cache
 * part receipts use), `peer` = that device, `host`, `part` and `partHash` those of a
 * per-reception licence that is not settled — and then charges one seat, at most once per
 * peer and at most N. Forged, duplicate, surplus or foreign notices change nothing.
 *
 * The same request resent — to another node, with no reply cache left to remember it — is
 * told `charged` again for the seats it charged (the ledger knows the request by its key),
 * and `already-charged` for later notices in it naming a seat an earlier one already took,
 * exactly as its first answer said.
 */
import { FairwayError } from '../../sdk/errors.js';
import { equalBytes } from '../../sdk/manifest/index.js';
import { seatNoticeArtefact, type SeatNotice } from '../../sdk/licence/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import type { MessageOf } from '../../sdk/wire/index.js';
import { isValidDeviceId } from '../../sdk/wire/topics.js';
import { getLicence } from '../ledger/licences.js';
import { chargeSeat } from '../ledger/seat-capture.js';
import { requestKey } from '../service/request-key.js';
import type { Handler, StoreContext } from '../service/store-context.js';

type SeatResult = MessageOf<'seat.charges'>['results'][number];

const kidText = new TextDecoder('utf-8', { fatal: true });

/** The notice's payload if its kid names an active device whose key signed it; else undefined. */
async function openNotice(ctx: StoreContext, bytes: Uint8Array): Promise<SeatNotice | undefined> {
  try {
    const kid = seatNoticeArtefact.peekKid(bytes);
    if (!kid) return undefined;
    const peer = kidText.decode(kid);
    if (!isValidDeviceId(peer)) return undefined;
    const publicKey = await ctx.terminalKeys.get(peer);
    if (!publicKey) return undefined; // unknown or revoked
    const notice = (await seatNoticeArtefact.open(bytes, publicKey, ctx.crypto)).payload;
    return notice.peer === peer ? notice : undefined;
  } catch (e) {
    if (e instanceof FairwayError || e instanceof TypeError) return undefined; // TypeError: kid not UTF-8
    throw e;
  }
}

export const handleSeatNotices: Handler<'seat.notices'> = async ({ ctx, deviceId, session, message, nowMs, bytes }) => {
  // Verify all at once (the crypto offload batches them), then charge one by one, in order.
  const opened = await Promise.all(message.notices.map((notice) => openNotice(ctx, notice)));
  const results: SeatResult[] = [];
  const key = requestKey('seat.notices', deviceId, message.rid, bytes);
  /** Seats an earlier notice of this request went to the ledger for: only the first may have charged. */
  const asked = new Set<string>();
  for (const [i, notice] of opened.entries()) {
    if (!notice) {
      results.push({ licence: null, peer: null, outcome: 'notice-refused' });
      continue;
    }
    const answer = (outcome: SeatResult['outcome'], balance?: number): SeatResult => ({
      licence: notice.licence,
      peer: notice.peer,
      outcome,
      ...(balance !== undefined ? { balance } : {}),
    });
    const licenceId = toHex(notice.licence);
    const licence = await getLicence(ctx.ledger, licenceId);
    if (!licence) {
      results.push(answer('unknown-licence'));
      continue;
    }
    if (notice.host !== licence.hostDeviceId || notice.part !== licence.partId || !equalBytes(notice.partHash, licence.partHash)) {
      results.push(answer('notice-refused'));
      continue;
    }
    const seat = `${licenceId}:${notice.peer}`;
    const first = !asked.has(seat);
    asked.add(seat);
    const charged = await chargeSeat(ctx.ledger, { licenceId, peerDeviceId: notice.peer, notice: message.notices[i]!, nowMs, ...(first ? { requestKey: key } : {}) });
    if (charged.outcome !== 'charged') {
      results.push(answer(charged.outcome));
      continue;
    }
    if (!charged.repeated) ctx.count('seat-charge', { billing: 'per-reception' });
    // The balance is the licence holder's: told only to a sender logged in as that user.
    results.push(answer('charged', session.userId === licence.userId ? charged.balanceMinor : undefined));
  }
  return { v: 1, t: 'seat.charges', rid: message.rid, results };
};
