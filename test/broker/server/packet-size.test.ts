/**
 * The packet size guard [FW-3.3]: aedes has no limit, so each connection is cut as soon as
 * a fixed header announces more than maxPacketBytes — before the body is read.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { settle, startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { closed, connectDevice } from './support/mqtt-clients.js';
import { connectPacket, openRaw, rawConnack, remainingLength } from './support/raw-mqtt.js';

const CAP = 64 * 1024;
let fx: BrokerFixture;

beforeEach(async () => {
  fx = await startBroker({ maxPacketBytes: CAP, wsPort: 0 });
});
afterEach(() => fx.close());

function hugePublishHeader(): Buffer {
  return Buffer.from([0x30, ...remainingLength(200 * 1024 * 1024)]);
}

it('cuts an unauthenticated connection that announces a 200 MiB PUBLISH, on the header', async () => {
  const raw = await openRaw(fx.broker.ports.tcp);
  const started = Date.now();
  raw.socket.write(hugePublishHeader());
  // Keep sending body bytes: the broker must not be waiting for them.
  const filler = setInterval(() => !raw.socket.destroyed && raw.socket.write(Buffer.alloc(16 * 1024)), 5);
  await raw.closed;
  clearInterval(filler);
  expect(Date.now() - started).toBeLessThan(1000);
  expect(fx.logged('connection cut: packet too large')).toEqual([
    expect.objectContaining({ packetType: 3, reason: expect.stringMatching(/exceeds the cap of 65536 bytes/) }),
  ]);
});

it('cuts an authenticated terminal the same way', async () => {
  const device = fx.enrol('alice');
  const raw = await openRaw(fx.broker.ports.tcp);
  expect(await rawConnack(raw, connectPacket('alice', 'alice', await device.credential()))).toBe(0);
  raw.socket.write(hugePublishHeader());
  await raw.closed;
  await waitUntil(() => fx.events.includes('disconnect alice'), 3000, 'disconnect');
  expect(fx.logged('connection cut: packet too large')).toHaveLength(1);
  expect(fx.up).toEqual([]);
});

it('passes a publish just under the cap and cuts one just over it (mqtt.js, TCP)', async () => {
  const device = fx.enrol('alice');
  const client = await connectDevice(fx.url, device);
  const topic = 'fairway/1/alice/up/receipt';
  const overhead = 2 + topic.length + 2; // topic length field, topic, packet id
  await client.publishAsync(topic, Buffer.alloc(CAP - overhead, 1), { qos: 1 });
  await waitUntil(() => fx.up.length === 1, 3000, 'the message under the cap');
  expect(fx.up[0]!.payload.length).toBe(CAP - overhead);

  const gone = closed(client);
  client.publish(topic, Buffer.alloc(CAP - overhead + 1, 1), { qos: 1 });
  await gone;
  await settle();
  expect(fx.up).toHaveLength(1);
  await client.endAsync(true);
});

it('guards MQTT over WebSocket too', async () => {
  const device = fx.enrol('alice');
  const client = await connectDevice(`ws://127.0.0.1:${fx.broker.ports.ws}`, device);
  const gone = closed(client);
  client.publish('fairway/1/alice/up/receipt', Buffer.alloc(CAP + 1, 1), { qos: 0 });
  await gone;
  await settle();
  expect(fx.up).toEqual([]);
  expect(fx.logged('connection cut: packet too large')).toEqual([expect.objectContaining({ peer: expect.stringMatching(/^ws /) })]);
  await client.endAsync(true);
});
