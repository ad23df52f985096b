/**
 * The people and devices of a fleet run, group by group as the scenario describes them: a
 * user per terminal with the group's credit and prepaid cards, an enrolled key derived from
 * the seed (sim/world/identities.ts). Runs before virtual time starts.
 */
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { issueCards } from '../../broker/ledger/cards.js';
import type { RunningStore } from '../../broker/store.js';
import type { NodeSigner } from '../../device/ports/node/index.js';
import type { FleetGroup } from '../scenario/index.js';
import { worldDeviceId, worldPassword, worldSigner, worldUserId } from '../world/index.js';

export interface FleetMember {
  index: number;
  group: number;
  deviceId: string;
  userId: string;
  password: string;
  signer: NodeSigner;
  cards: { id: string; password: string }[];
}

export async function provisionFleet(store: RunningStore, groups: readonly FleetGroup[], seed: number, nowMs: number): Promise<FleetMember[]> {
  const members: FleetMember[] = [];
  const db = store.database.db;
  let index = 0;
  for (const [g, group] of groups.entries()) {
    for (let n = 0; n < group.count; n++) {
      index++;
      const member: FleetMember = {
        index,
        group: g,
        deviceId: worldDeviceId(index),
        userId: worldUserId(index),
        password: worldPassword(seed, index),
        signer: worldSigner(seed, index),
        cards: [],
      };
      // The simulated users' passwords are hashed with the test cost: the run measures the
      // radio and the store's flow, not scrypt.
      await addUser(db, { id: member.userId, password: member.password }, nowMs, FAST_TEST_PARAMS);
      await enrolTerminal(db, { deviceId: member.deviceId, userId: member.userId, publicKey: member.signer.publicKey }, nowMs);
      if (group.credit > 0) await adjustBalance(store.ledger, { userId: member.userId, amountMinor: group.credit, reason: 'simulation starting credit', actor: 'sim', nowMs });
      if (group.cards > 0) {
        const issued = await issueCards(store.ledger, { count: group.cards, valueMinor: group.cardValue, batch: `sim-${member.deviceId}`, nowMs });
        member.cards = issued.map((c) => ({ id: c.id, password: c.password }));
      }
      members.push(member);
    }
  }
  return members;
}
