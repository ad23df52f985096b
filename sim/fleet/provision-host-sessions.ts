/**
 * The people and devices of the scenario's host sessions: per session one host (with the
 * session's credit, to buy the part and pay for the seats) and its peers (enrolled devices of
 * their own users, no credit: a peer never pays), numbered after the fleet's own members so
 * every id and key still comes from the seed alone. Runs before virtual time starts.
 */
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import type { RunningStore } from '../../broker/store.js';
import type { HostSessionSpec } from '../scenario/index.js';
import { worldDeviceId, worldPassword, worldSigner, worldUserId } from '../world/index.js';
import type { FleetMember } from './provision-fleet.js';

export interface SessionCast {
  host: FleetMember;
  peers: FleetMember[];
}

/** One cast per session; `firstIndex` is the first world number not used by the fleet. */
export async function provisionHostSessions(store: RunningStore, specs: readonly HostSessionSpec[], seed: number, firstIndex: number, nowMs: number): Promise<SessionCast[]> {
  const db = store.database.db;
  let index = firstIndex;
  const member = async (credit: number): Promise<FleetMember> => {
    const m: FleetMember = { index, group: -1, deviceId: worldDeviceId(index), userId: worldUserId(index), password: worldPassword(seed, index), signer: worldSigner(seed, index), cards: [] };
    index++;
    await addUser(db, { id: m.userId, password: m.password }, nowMs, FAST_TEST_PARAMS);
    await enrolTerminal(db, { deviceId: m.deviceId, userId: m.userId, publicKey: m.signer.publicKey }, nowMs);
    if (credit > 0) await adjustBalance(store.ledger, { userId: m.userId, amountMinor: credit, reason: 'simulation host credit', actor: 'sim', nowMs });
    return m;
  };
  const casts: SessionCast[] = [];
  for (const spec of specs) {
    const host = await member(spec.credit);
    const peers: FleetMember[] = [];
    for (let k = 0; k < spec.peers; k++) peers.push(await member(0));
    casts.push({ host, peers });
  }
  return casts;
}
