/**
 * allowAnonymous: clients without credentials may connect (with a loud warning in the log)
 * but can publish and subscribe to nothing, and cannot push a terminal off by using its id.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { settle, startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { closed, connectClient, connectDevice, endAll } from './support/mqtt-clients.js';

let fx: BrokerFixture;
let clients: MqttClient[] = [];

beforeEach(async () => {
  fx = await startBroker({ allowAnonymous: true });
});
afterEach(async () => {
  await endAll(...clients);
  clients = [];
  await fx.close();
});

async function anonymous(clientId = ''): Promise<MqttClient> {
  const client = await connectClient(fx.url, { protocolVersion: 4, clientId, clean: true });
  clients.push(client);
  return client;
}

it('logs a loud warning at start', () => {
  expect(fx.logs.some((r) => r.level === 40 && /allowAnonymous is ON/.test(r.msg))).toBe(true);
});

it('admits an anonymous client but grants it no subscription', async () => {
  const client = await anonymous();
  expect(fx.logged('connect accepted').at(-1)).toMatchObject({ kind: 'anonymous', clientId: expect.stringMatching(/^anonymous:/) });
  for (const filter of ['#', 'fairway/#', 'fairway/1/+/up/+', 'fairway/1/alice/down/#']) {
    const error = await client.subscribeAsync(filter, { qos: 1 }).then(
      () => undefined,
      (e: Error & { packet?: { granted?: number[] } }) => e,
    );
    expect(error?.packet?.granted).toEqual([0x80]);
  }
  expect(client.connected).toBe(true);
});

it("closes an anonymous client that publishes, even to a device's up topic, and the store sees nothing", async () => {
  fx.enrol('alice');
  const client = await anonymous('monitor');
  const gone = closed(client);
  client.publish('fairway/1/alice/up/login', Buffer.from('forged'), { qos: 0 });
  await gone;
  await settle();
  expect(fx.up).toEqual([]);
  expect(fx.logged('publish refused').at(-1)).toMatchObject({ who: 'anonymous client anonymous:monitor', reason: 'anonymous clients may not publish' });
});

it("cannot take over a terminal's connection by using its device id as client id", async () => {
  const alice = fx.enrol('alice');
  const device = await connectDevice(fx.url, alice);
  clients.push(device);
  await anonymous('alice');
  await settle();
  expect(device.connected).toBe(true);
  await waitUntil(() => fx.broker.connectedCount() === 1, 1000, 'alice counted');
  expect(fx.events).toEqual(['connect alice']);
});
