/**
 * MQTT 3.1.1's malformed-packet rules over real TCP [issue 12 §6]: a logged-in terminal that
 * sends a packet breaking one of them is cut at once — before aedes reads the packet, so a
 * topic with U+0000 never reaches the store — and the log names the rule. Each rule's bytes
 * are checked one by one in frame-meter.test.ts; here, that the broker acts on them.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { connectPacket, openRaw, packet, rawConnack, utf8Field } from './support/raw-mqtt.js';

let fx: BrokerFixture;

beforeEach(async () => {
  fx = await startBroker({});
});
afterEach(() => fx.close());

const id = (n: number) => [n >> 8, n & 0xff];
const cases: [string, Buffer, RegExp][] = [
  ['an up topic with U+0000', packet(0x32, [...utf8Field('fairway/1/alice/up/log\u0000in'), ...id(1), 1]), /U\+0000/],
  ['an up topic of invalid UTF-8', packet(0x30, [...utf8Field(Buffer.from([0x66, 0xc3, 0x28])), 1]), /UTF-8/],
  ['PUBLISH QoS 1 with packet id 0', packet(0x32, [...utf8Field('fairway/1/alice/up/login'), ...id(0), 1]), /packet id 0/],
  ['an empty UNSUBSCRIBE', packet(0xa2, id(3)), /without a topic filter/],
  ['an empty SUBSCRIBE', packet(0x82, id(3)), /without a topic filter/],
  ['a PINGREQ with a body', packet(0xc0, [1, 2]), /PINGREQ with a body/],
];

it.each(cases)('cuts a logged-in terminal that sends %s, and logs the rule', async (_name, bytes, reason) => {
  const device = fx.enrol('alice');
  const raw = await openRaw(fx.broker.ports.tcp);
  expect(await rawConnack(raw, connectPacket('alice', 'alice', await device.credential()))).toBe(0);
  raw.socket.write(bytes);
  await raw.closed;
  await waitUntil(() => fx.events.includes('disconnect alice'), 3000, 'disconnect');
  expect(fx.logged('connection cut: malformed packet')).toEqual([expect.objectContaining({ reason: expect.stringMatching(reason) })]);
  expect(fx.up).toEqual([]);
});

it('keeps a terminal that sends only well-formed packets, a ping included', async () => {
  const device = fx.enrol('alice');
  const raw = await openRaw(fx.broker.ports.tcp);
  expect(await rawConnack(raw, connectPacket('alice', 'alice', await device.credential()))).toBe(0);
  raw.socket.write(packet(0xc0, []));
  await waitUntil(() => raw.packets.some((p) => p.type === 13), 3000, 'PINGRESP');
  raw.socket.write(packet(0x32, [...utf8Field('fairway/1/alice/up/login'), ...id(5), 0xa0]));
  await waitUntil(() => fx.up.length === 1, 3000, 'the up message');
  expect(raw.socket.destroyed).toBe(false);
  expect(fx.logged('connection cut: malformed packet')).toEqual([]);
  raw.socket.destroy();
});
