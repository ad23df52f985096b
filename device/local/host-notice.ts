/**
 * notice → notice.ok | error [FW-14.5]. The host has no peer keys, so it cannot check the
 * signature (the store does [FW-13.5.1]); it checks what it can — a well-formed COSE_Sign1
 * whose kid is the joined peer's id, and a payload for THIS licence, host, part and partHash
 * signed as that peer — then keeps it durably BEFORE answering, so an acknowledged notice is
 * never lost. A resend (same or new bytes) is acknowledged again without a second write.
 */
import { parseCoseSign1 } from '../../sdk/cose/sign1.js';
import { isFairwayError } from '../../sdk/errors.js';
import { seatNoticeArtefact } from '../../sdk/licence/index.js';
import type { LocalMessageOf } from '../../sdk/local/index.js';
import { equalBytes } from '../../sdk/manifest/manifest.js';
import type { HostConnectionState, HostContext } from './host-context.js';
import { shortMessage } from './wire-error.js';

const utf8 = new TextEncoder();

export async function handleNotice(host: HostContext, conn: HostConnectionState, message: LocalMessageOf<'notice'>): Promise<void> {
  const { rid } = message;
  if (conn.peer === null || conn.seat === null) return conn.send({ t: 'error', rid, code: 'bad-request', message: 'join first' });
  const problem = checkNotice(host, conn.peer, message.notice);
  if (problem) return conn.send({ t: 'error', rid, code: 'bad-request', message: shortMessage(problem) });
  let fresh: boolean;
  try {
    fresh = await host.notices.put(host.licence.licence, conn.seat, conn.peer, message.notice);
  } catch (error) {
    if (!isFairwayError(error)) throw error;
    // Not kept, so not acknowledged: the peer resends, and a later try may find the flash willing.
    return conn.send({ t: 'error', rid, code: 'internal', message: shortMessage(`the notice could not be kept: ${error.message}`) });
  }
  host.events.notice?.({ peer: conn.peer, seat: conn.seat, fresh });
  await conn.send({ t: 'notice.ok', rid });
}

/** Why the notice is not one this host may keep, or null when it is. */
function checkNotice(host: HostContext, peer: string, bytes: Uint8Array): string | null {
  try {
    const parsed = parseCoseSign1(bytes, 4096);
    if (!parsed.kid || !equalBytes(parsed.kid, utf8.encode(peer))) return 'the notice is not signed under the joined peer id';
    const notice = seatNoticeArtefact.decodePayload(parsed.payload);
    const licence = host.licence;
    if (!equalBytes(notice.licence, licence.licence)) return 'the notice names another licence';
    if (notice.peer !== peer) return 'the notice names another peer';
    if (notice.host !== licence.host) return 'the notice names another host';
    if (notice.part !== licence.part || !equalBytes(notice.partHash, licence.partHash)) return 'the notice names another part';
    return null;
  } catch (error) {
    if (isFairwayError(error)) return `the notice is not a seat notice: ${error.message}`;
    throw error;
  }
}
