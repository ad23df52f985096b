/**
 * A store with two users, ann and bob, each with an enrolled terminal (hh-ann, hh-bob) and
 * 10,000 of credit, and one title `epic` of one part `epic-1` (16 KiB chunks, random bytes of
 * the size a test asks for): the world of the tests about one terminal misbehaving while
 * another is served.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { prepareTitle } from '../../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../../broker/catalog/save-title.js';
import { enrolTerminal } from '../../../broker/directory/terminals.js';
import { addUser } from '../../../broker/directory/users.js';
import { adjustBalance } from '../../../broker/ledger/adjust.js';
import type { RunningStore } from '../../../broker/store.js';
import { NodeSigner } from '../../../device/ports/node/index.js';
import { seededRandomSource } from '../../../sdk/testing/mocks/index.js';
import { crypto } from '../../support/keys.js';
import { seed } from '../../support/seed.js';
import { TestTerminal } from '../../support/terminal-client.js';

export type TwoUser = 'ann' | 'bob';

const random = seededRandomSource(seed);
export const signers: Record<`hh-${TwoUser}`, NodeSigner> = { 'hh-ann': NodeSigner.fromSeed(random(32)), 'hh-bob': NodeSigner.fromSeed(random(32)) };

export async function twoTerminalWorld(store: RunningStore, root: string, partBytes: number): Promise<void> {
  const db = store.database.db;
  for (const user of ['ann', 'bob'] as const) {
    await addUser(db, { id: user, password: `${user}-pw` }, Date.now(), FAST_TEST_PARAMS);
    await enrolTerminal(db, { deviceId: `hh-${user}`, userId: user, publicKey: signers[`hh-${user}`].publicKey }, Date.now());
    await adjustBalance(store.ledger, { userId: user, amountMinor: 10_000, reason: 'test', actor: 'test', nowMs: Date.now() });
  }
  const dir = join(root, 'title');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'title.yaml'), 'id: epic\nname: Epic\nprovider: Sharp\ncategory: game\nchunkBytes: 16384\nparts:\n  - { id: epic-1, file: p1, price: 100 }\n');
  await writeFile(join(dir, 'p1'), random(partBytes));
  await saveTitle(db, await prepareTitle(dir, { content: store.content, crypto, storeSigner: store.key.signer, storeKid: store.key.kid }), dir, Date.now());
}

/** Connected and logged in; pushed onto `opened` so the test can close it whatever happens. */
export async function loggedIn(store: RunningStore, user: TwoUser, opened: TestTerminal[]): Promise<TestTerminal> {
  const t = await TestTerminal.connect(store.broker.ports.tcp, `hh-${user}`, signers[`hh-${user}`]);
  opened.push(t);
  expect((await t.request({ t: 'login', user, password: `${user}-pw` })).t).toBe('login.ok');
  return t;
}
