/**
 * Connection lifecycle: takeover by a second CONNECT with the same id [FW-2.3.4], wills
 * [FW-2.4.3], and what the store is told (onConnect / onDisconnect / connectedCount).
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle, startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import type { TestDevice } from './support/devices.js';
import { closed, connackCode, connectDevice, deviceOptions, endAll, inbox } from './support/mqtt-clients.js';

let fx: BrokerFixture;
let alice: TestDevice;
let bob: TestDevice;
let clients: MqttClient[] = [];

beforeEach(async () => {
  fx = await startBroker();
  alice = fx.enrol('alice');
  bob = fx.enrol('bob');
});
afterEach(async () => {
  await endAll(...clients);
  clients = [];
  await fx.close();
});

async function connect(device: TestDevice, extra: Parameters<typeof connectDevice>[2] = {}): Promise<MqttClient> {
  const client = await connectDevice(fx.url, device, extra);
  clients.push(client);
  return client;
}

/** Drops the TCP connection without DISCONNECT, as a terminal losing its radio link would. */
function cutLink(client: MqttClient): Promise<void> {
  const gone = closed(client);
  client.stream.destroy();
  return gone;
}

describe('takeover', () => {
  it('closes the older connection when the same device connects again', async () => {
    const first = await connect(alice);
    const firstGone = closed(first);
    const second = await connect(alice);
    await firstGone;
    expect(second.connected).toBe(true);
    await waitUntil(() => fx.events.length === 3, 3000, 'three lifecycle events');
    expect(fx.events).toEqual(['connect alice', 'disconnect alice', 'connect alice']);
    expect(fx.broker.connectedCount()).toBe(1);

    const received = inbox(second);
    await second.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });
    await fx.broker.publish('alice', 'menu', Buffer.from('to the new connection'), 1);
    await waitUntil(() => received.length === 1, 3000, 'delivery to the new connection');
  });

  it('does not let a refused CONNECT take over the existing connection', async () => {
    const first = await connect(alice);
    const stolen = await deviceOptions(alice, { password: Buffer.from(await bob.credential()) });
    expect(await connackCode(fx.url, stolen)).toBe(4);
    await settle();
    expect(first.connected).toBe(true);
    expect(fx.broker.connectedCount()).toBe(1);
  });
});

describe('wills', () => {
  it.each(['fairway/1/bob/down/login.ok', 'fairway/1/bob/up/login', 'fairway/1/alice/down/menu', '$SYS/x'])(
    'discards a will on %s at CONNECT, accepts the connection, and never sends it',
    async (topic) => {
      const bobClient = await connect(bob);
      const bobInbox = inbox(bobClient);
      await bobClient.subscribeAsync('fairway/1/bob/down/#', { qos: 1 });
      const client = await connect(alice, { will: { topic, payload: Buffer.from('forged'), qos: 1, retain: false } });
      expect(fx.logged('will discarded').at(-1)).toMatchObject({ clientId: 'alice', topic, reason: expect.any(String) });
      await cutLink(client);
      await settle();
      expect(bobInbox).toEqual([]);
      expect(fx.up).toEqual([]);
    },
  );

  it('discards a retained will even on the own up topic', async () => {
    const client = await connect(alice, { will: { topic: 'fairway/1/alice/up/finish', payload: Buffer.from('w'), qos: 1, retain: true } });
    expect(fx.logged('will discarded').at(-1)?.reason).toMatch(/retained/);
    await cutLink(client);
    await settle();
    expect(fx.up).toEqual([]);
  });

  it('sends an allowed will (own up topic) to the store when the link drops, not on a clean disconnect', async () => {
    const will = { topic: 'fairway/1/alice/up/finish', payload: Buffer.from('gone'), qos: 1 as const, retain: false };
    const polite = await connect(alice, { will });
    await polite.endAsync();
    await settle();
    expect(fx.up).toEqual([]);

    const dropped = await connect(alice, { will });
    await cutLink(dropped);
    await waitUntil(() => fx.up.length === 1, 3000, 'the will');
    expect(fx.up[0]).toMatchObject({ deviceId: 'alice', type: 'finish' });
    expect(fx.logged('will discarded')).toEqual([]);
  });
});

describe('store notifications', () => {
  it('reports connects and disconnects of terminals and counts them', async () => {
    const a = await connect(alice);
    await connect(bob);
    await waitUntil(() => fx.broker.connectedCount() === 2, 3000, 'two terminals');
    await cutLink(a);
    await waitUntil(() => fx.broker.connectedCount() === 1, 3000, 'one terminal');
    expect(fx.events).toEqual(['connect alice', 'connect bob', 'disconnect alice']);
  });
});
