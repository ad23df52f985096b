/**
 * Per-device isolation [FW-2.4]: a terminal publishes only into its own up tree, subscribes
 * only inside its own down tree, and never receives another terminal's messages. A refused
 * publish closes the connection (MQTT 3.1.1 has no negative PUBACK); a refused subscription
 * is answered with SUBACK 0x80 and the connection stays up.
 */
import type { MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle, startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import type { TestDevice } from './support/devices.js';
import { closed, connectDevice, endAll, inbox } from './support/mqtt-clients.js';
import { connectPacket, openRaw, publishPacket } from './support/raw-mqtt.js';

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

async function connect(device: TestDevice): Promise<MqttClient> {
  const client = await connectDevice(fx.url, device);
  clients.push(client);
  return client;
}

const body = (text: string): Buffer => Buffer.from(text);

describe('publish', () => {
  it('delivers a publish on the own up topic to onMessage, as a plain Uint8Array', async () => {
    const client = await connect(alice);
    await client.publishAsync('fairway/1/alice/up/menu.get', body('q1'), { qos: 1 });
    client.publish('fairway/1/alice/up/login', body('q0'), { qos: 0 });
    await waitUntil(() => fx.up.length === 2, 3000, 'two up messages');
    expect(fx.up.map((m) => [m.deviceId, m.type, Buffer.from(m.payload).toString(), m.info.qos])).toEqual([
      ['alice', 'menu.get', 'q1', 1],
      ['alice', 'login', 'q0', 0],
    ]);
    expect(Object.getPrototypeOf(fx.up[0]!.payload)).toBe(Uint8Array.prototype);
  });

  it('hands an own-up-tree level that names no up type to onUnroutable (the store answers unknown-type)', async () => {
    const client = await connect(alice);
    await client.publishAsync('fairway/1/alice/up/no.such.type', body('?'), { qos: 1 });
    await client.publishAsync('fairway/1/alice/up/chunk', body('down type on up'), { qos: 1 });
    await waitUntil(() => fx.unroutable.length === 2, 3000, 'two unroutable messages');
    expect(fx.unroutable.map((m) => m.type)).toEqual(['no.such.type', 'chunk']);
    expect(fx.up).toEqual([]);
    expect(client.connected).toBe(true);
  });

  const refused: Array<[string, string, { qos?: 0 | 1 | 2; retain?: boolean }, RegExp]> = [
    ["another device's up topic", 'fairway/1/bob/up/login', {}, /not in the device's own up tree/],
    ['its own down topic', 'fairway/1/alice/down/login.ok', {}, /not in the device's own up tree/],
    ['a $SYS topic', '$SYS/broker/x', {}, /reserved topic/],
    ['a deeper topic under its up tree', 'fairway/1/alice/up/login/extra', {}, /not in the device's own up tree/],
    ['a topic outside the tree', 'other/topic', {}, /not in the device's own up tree/],
    ['its own up topic with retain', 'fairway/1/alice/up/login', { retain: true }, /retained/],
    ['its own up topic at QoS 2', 'fairway/1/alice/up/login', { qos: 2 }, /QoS 2/],
  ];

  it.each(refused)('refuses a publish to %s by closing the connection, delivering nothing', async (_name, topic, opts, reason) => {
    const bobClient = await connect(bob);
    const bobInbox = inbox(bobClient);
    await bobClient.subscribeAsync('fairway/1/bob/down/#', { qos: 1 });
    const client = await connect(alice);
    const aliceInbox = inbox(client);
    await client.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });
    const gone = closed(client);
    // QoS 1: the client waits for a PUBACK that never comes; the broker closes the connection
    // instead. (mqtt.js keeps the publish pending, to resend after a reconnect.)
    const acknowledged = client.publishAsync(topic, body('x'), { qos: 1, ...opts }).then(() => true);
    await gone;
    expect(await Promise.race([acknowledged, settle().then(() => false)])).toBe(false);
    expect(fx.up).toEqual([]);
    expect(fx.unroutable).toEqual([]);
    expect(aliceInbox).toEqual([]);
    expect(bobInbox).toEqual([]);
    expect(fx.logged('publish refused').at(-1)).toMatchObject({ who: 'device alice', topic, reason: expect.stringMatching(reason) });
    await waitUntil(() => fx.broker.connectedCount() === 1, 1000, 'only bob connected');
    expect(fx.events.filter((e) => e.endsWith('alice'))).toEqual(['connect alice', 'disconnect alice']);
  });

  it('keeps the store informed when a publish is refused right behind the CONNECT (as mosquitto_pub does)', async () => {
    const raw = await openRaw(fx.broker.ports.tcp);
    raw.socket.write(Buffer.concat([connectPacket('alice', 'alice', await alice.credential()), publishPacket('fairway/1/bob/up/login', body('x'))]));
    await waitUntil(() => fx.logged('publish refused').length === 1, 3000, 'the refusal');
    await settle();
    // The connection ended before aedes called it ready; the store still hears both ends.
    expect(fx.broker.connectedCount()).toBe(0);
    expect(fx.events).toEqual(['connect alice', 'disconnect alice']);
    raw.socket.destroy();
  });
});

describe('subscribe', () => {
  it('grants filters inside the own down tree', async () => {
    const client = await connect(alice);
    expect((await client.subscribeAsync('fairway/1/alice/down/#', { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    expect((await client.subscribeAsync('fairway/1/alice/down/login.ok', { qos: 0 })).map((g) => g.qos)).toEqual([0]);
    expect((await client.subscribeAsync('fairway/1/alice/down/+', { qos: 1 })).map((g) => g.qos)).toEqual([1]);
  });

  it.each(['fairway/1/bob/down/#', 'fairway/1/bob/down/login.ok', '#', '+/+/+/+/+', 'fairway/1/+/down/#', 'fairway/1/alice/up/#', 'fairway/#', '$SYS/#', 'fairway/1/alice/down/+/x'])(
    'answers SUBACK 0x80 to %s and keeps the connection',
    async (filter) => {
      const client = await connect(alice);
      const error = await client.subscribeAsync(filter, { qos: 1 }).then(
        () => undefined,
        (e: Error & { packet?: { granted?: number[] } }) => e,
      );
      expect(error?.packet?.granted).toEqual([0x80]);
      expect(client.connected).toBe(true);
      expect(fx.logged('subscribe refused').at(-1)).toMatchObject({ filter, reason: expect.stringMatching(/not inside the device's own down tree/) });
      // Still usable afterwards.
      expect((await client.subscribeAsync('fairway/1/alice/down/#', { qos: 1 })).map((g) => g.qos)).toEqual([1]);
    },
  );
});

describe('delivery', () => {
  it("never delivers one device's down messages to another, even one that tried to subscribe", async () => {
    const aliceClient = await connect(alice);
    const bobClient = await connect(bob);
    const aliceInbox = inbox(aliceClient);
    const bobInbox = inbox(bobClient);
    await aliceClient.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });
    await bobClient.subscribeAsync('fairway/1/bob/down/#', { qos: 1 });
    await aliceClient.subscribeAsync(['#', 'fairway/1/bob/down/#', 'fairway/1/+/down/+'], { qos: 1 }).catch(() => undefined);

    await fx.broker.publish('bob', 'login.ok', body('for bob'), 1);
    await fx.broker.publish('alice', 'menu', body('for alice'), 0);
    await waitUntil(() => bobInbox.length === 1 && aliceInbox.length === 1, 3000, 'one message each');
    await settle();
    expect(bobInbox.map((m) => [m.topic, m.payload.toString()])).toEqual([['fairway/1/bob/down/login.ok', 'for bob']]);
    expect(aliceInbox.map((m) => [m.topic, m.payload.toString()])).toEqual([['fairway/1/alice/down/menu', 'for alice']]);
  });

  it("does not pass one device's up messages to another device", async () => {
    const aliceClient = await connect(alice);
    const bobClient = await connect(bob);
    const bobInbox = inbox(bobClient);
    await bobClient.subscribeAsync('fairway/1/bob/down/#', { qos: 1 });
    await aliceClient.publishAsync('fairway/1/alice/up/login', body('secret'), { qos: 1 });
    await waitUntil(() => fx.up.length === 1, 3000, 'the up message');
    await settle();
    expect(bobInbox).toEqual([]);
  });

  it('writes QoS 0 (chunks, straight to the connection) only where a subscription covers the topic, once, and to no one not connected', async () => {
    const aliceClient = await connect(alice);
    const bobClient = await connect(bob);
    const aliceInbox = inbox(aliceClient);
    const bobInbox = inbox(bobClient);
    await aliceClient.subscribeAsync('fairway/1/alice/down/login.ok', { qos: 1 });
    await bobClient.subscribeAsync(['fairway/1/bob/down/chunk', 'fairway/1/bob/down/+', 'fairway/1/bob/down/#'], { qos: 0 });
    await fx.broker.publish('alice', 'chunk', body('not asked for'), 0);
    await fx.broker.publish('bob', 'chunk', body('one copy'), 0);
    await fx.broker.publish('carol', 'chunk', body('nobody'), 0); // not connected: resolves, nothing queued
    await waitUntil(() => bobInbox.length >= 1, 3000, "bob's chunk");
    await settle();
    expect(bobInbox.map((m) => [m.topic, m.payload.toString()])).toEqual([['fairway/1/bob/down/chunk', 'one copy']]);
    expect(aliceInbox).toEqual([]);
    // Subscribed now, alice gets the next one.
    await aliceClient.subscribeAsync('fairway/1/alice/down/+', { qos: 0 });
    await fx.broker.publish('alice', 'chunk', body('asked for'), 0);
    await waitUntil(() => aliceInbox.length === 1, 3000, "alice's chunk");
    expect(aliceInbox[0]!.payload.toString()).toBe('asked for');
  });

  it('publish() only sends down types, never retained', async () => {
    await expect(fx.broker.publish('alice', 'login' as never, body('x'), 1)).rejects.toThrow(/not a down message type/);
    await expect(fx.broker.publish('al/ice', 'menu', body('x'), 1)).rejects.toThrow(/device id/);
    await fx.broker.publish('alice', 'menu', body('retained?'), 1);
    const client = await connect(alice);
    const received = inbox(client);
    await client.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });
    await settle();
    expect(received).toEqual([]);
  });
});
