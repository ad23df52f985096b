/**
 * A single node's credential nonces are capped [issue 12 §5]: past the cap a CONNECT hears
 * CONNACK 3 (come back later) rather than the node forgetting a live nonce early, which would
 * let that credential be replayed; a replay is still refused at the cap, and once old
 * credentials age out new ones are accepted again.
 */
import { afterEach, expect, it } from 'vitest';
import { LocalNonces } from '../../../broker/cluster/local-state.js';
import { expectKind } from '../../support/expect-fairway.js';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { connackCode, deviceOptions } from './support/mqtt-clients.js';

let fx: BrokerFixture | undefined;
afterEach(() => fx?.close());

const nonce = (n: number) => new Uint8Array(16).fill(n);

it('refuses a new nonce at the cap without forgetting a live one, and takes new ones once old ones age out', async () => {
  const nonces = new LocalNonces(2);
  expect(await nonces.claim(nonce(1), 1_000, 0)).toBe(true);
  expect(await nonces.claim(nonce(2), 2_000, 10)).toBe(true);
  await expectKind(() => nonces.claim(nonce(3), 3_000, 20), 'capacity-exceeded');
  expect(await nonces.claim(nonce(1), 1_000, 30)).toBe(false); // still a replay, full or not
  expect(nonces.size).toBe(2);
  expect(await nonces.claim(nonce(3), 3_000, 1_001)).toBe(true); // nonce 1's window has passed
  expect(nonces.size).toBe(2);
});

it('answers CONNACK 3 over MQTT when the node holds its cap of live nonces, and logs why', async () => {
  fx = await startBroker({ claimNonce: new LocalNonces(2).claim });
  const device = fx.enrol('hh-0001');
  expect(await connackCode(fx.url, await deviceOptions(device))).toBe(0);
  expect(await connackCode(fx.url, await deviceOptions(device))).toBe(0);
  expect(await connackCode(fx.url, await deviceOptions(device))).toBe(3);
  await waitUntil(() => fx!.logged('connect refused').length > 0, 3000, 'the refusal log');
  expect(JSON.stringify(fx.logged('connect refused').at(-1))).toMatch(/nonce registry/);
});
