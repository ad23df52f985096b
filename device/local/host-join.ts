/**
 * join → joined | refusal [FW-14.2]: over (ended or past exp) → licence-expired; a peer that
 * holds a seat gets it again without asking the user; one the user did not approve → refused;
 * the (N+1)-th distinct peer → seats-full. A refusal changes nothing.
 */
import type { LocalMessageOf } from '../../sdk/local/index.js';
import type { HostConnectionState, HostContext } from './host-context.js';

export async function handleJoin(host: HostContext, conn: HostConnectionState, message: LocalMessageOf<'join'>): Promise<void> {
  const { rid, peer } = message;
  if (conn.peer !== null && conn.peer !== peer) {
    return conn.fail('bad-request', `this connection already joined as ${conn.peer}`, rid);
  }
  const refuse = (code: 'seats-full' | 'licence-expired' | 'refused', text: string) => {
    host.events.refused?.({ peer, code });
    return conn.send({ t: 'refusal', rid, code, message: text });
  };
  if (host.isOver()) return refuse('licence-expired', 'the session is over');
  if (!host.seats.holds(peer) && !(await host.approve(peer))) return refuse('refused', 'the host did not approve this terminal');
  if (host.isOver()) return refuse('licence-expired', 'the session is over');
  const claim = host.seats.claim(peer);
  if (!claim.ok) return refuse('seats-full', `all ${host.seats.seats} seats are taken`);
  conn.peer = peer;
  conn.seat = claim.seat;
  host.retire(peer, conn);
  host.events.joined?.({ peer, seat: claim.seat, rejoined: claim.rejoined });
  await conn.send({ t: 'joined', rid, licence: host.licenceBytes, manifest: host.manifestBytes, seat: claim.seat, windowMax: host.windowMax });
}
