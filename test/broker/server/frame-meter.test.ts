/**
 * The incremental MQTT reader behind the packet size guard [FW-3.3] and MQTT 3.1.1's
 * well-formedness rules (broker/transport/packet-rules.ts) [issue 12 §6].
 */
import { describe, expect, it } from 'vitest';
import { MqttFrameMeter } from '../../../broker/transport/frame-meter.js';
import { packet as rawPacket, remainingLength, utf8Field } from './support/raw-mqtt.js';

/** A well-formed packet of `type` with a body of exactly `bodyLength` bytes (a QoS 0 PUBLISH on `a/b`, or an empty PINGREQ). */
const packet = (type: number, bodyLength: number): Uint8Array => {
  const topic = utf8Field('a/b');
  if (type >> 4 !== 3 || bodyLength < topic.length) return Uint8Array.from([type, ...remainingLength(bodyLength), ...new Uint8Array(bodyLength)]);
  return Uint8Array.from([type, ...remainingLength(bodyLength), ...topic, ...new Uint8Array(bodyLength - topic.length)]);
};

function feed(meter: MqttFrameMeter, bytes: Uint8Array, chunkSize: number) {
  for (let i = 0; i < bytes.length; i += chunkSize) {
    const violation = meter.inspect(bytes.subarray(i, i + chunkSize));
    if (violation) return violation;
  }
  return undefined;
}

describe('MqttFrameMeter', () => {
  it('passes packets up to the cap, several per chunk or split anywhere', () => {
    const stream = Uint8Array.from([...packet(0x30, 1000), ...packet(0xc0, 0), ...packet(0x30, 16_383), ...packet(0x30, 16_384)]);
    for (const chunkSize of [1, 2, 3, 7, 1000, stream.length]) {
      expect(feed(new MqttFrameMeter(16_384), stream, chunkSize)).toBeUndefined();
    }
  });

  it('refuses a packet one byte over the cap, from its header alone', () => {
    const meter = new MqttFrameMeter(16_384);
    const violation = meter.inspect(Uint8Array.from([0x30, ...remainingLength(16_385)]));
    expect(violation).toMatchObject({ packetType: 3, remainingLength: 16_385 });
  });

  it('refuses a 200 MiB announcement on the last byte of its 4-byte length, with nothing after it', () => {
    const header = Uint8Array.from([0x30, ...remainingLength(200 * 1024 * 1024)]);
    const meter = new MqttFrameMeter(1024 * 1024);
    expect(meter.inspect(header.subarray(0, 4))).toBeUndefined();
    expect(meter.inspect(header.subarray(4, 5))?.reason).toBe('packet remaining length 209715200 exceeds the cap of 1048576 bytes');
  });

  it('refuses a remaining length of more than four bytes', () => {
    const meter = new MqttFrameMeter(Number.MAX_SAFE_INTEGER);
    expect(meter.inspect(Uint8Array.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01]))?.reason).toMatch(/more than 4 bytes/);
  });

  it('keeps refusing once it has refused', () => {
    const meter = new MqttFrameMeter(10);
    expect(meter.inspect(packet(0x30, 11))).toBeDefined();
    expect(meter.inspect(packet(0x30, 1))).toBeDefined();
  });
});

describe('MqttFrameMeter: MQTT 3.1.1 well-formedness', () => {
  const id = (n: number) => [n >> 8, n & 0xff];
  const good: [string, Uint8Array][] = [
    ['PUBLISH QoS 0', rawPacket(0x30, [...utf8Field('fairway/1/d/up/login'), 1, 2, 3])],
    ['PUBLISH QoS 1', rawPacket(0x32, [...utf8Field('fairway/1/d/up/login'), ...id(7), 1, 2, 3])],
    ['PUBLISH with a multi-byte topic', rawPacket(0x30, [...utf8Field('fairway/1/dé/up/ü'), 9])],
    ['SUBSCRIBE', rawPacket(0x82, [...id(1), ...utf8Field('fairway/1/d/down/#'), 1, ...utf8Field('x/+'), 0])],
    ['UNSUBSCRIBE', rawPacket(0xa2, [...id(2), ...utf8Field('fairway/1/d/down/#')])],
    ['PUBACK', rawPacket(0x40, id(7))],
    ['PUBREL', rawPacket(0x62, id(7))],
    ['PINGREQ', rawPacket(0xc0, [])],
    ['DISCONNECT', rawPacket(0xe0, [])],
  ];
  it.each(good)('passes a well-formed %s, whole or byte by byte', (_name, bytes) => {
    for (const chunkSize of [1, 2, 5, bytes.length]) expect(feed(new MqttFrameMeter(1 << 20), bytes, chunkSize)).toBeUndefined();
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['a topic with U+0000', rawPacket(0x30, [...utf8Field(Uint8Array.from([0x61, 0x00, 0x62])), 1]), /contains U\+0000/],
    ['a topic of invalid UTF-8', rawPacket(0x30, [...utf8Field(Uint8Array.from([0x61, 0xc3, 0x28])), 1]), /not well-formed UTF-8/],
    ['a topic with an encoded surrogate', rawPacket(0x30, [...utf8Field(Uint8Array.from([0xed, 0xa0, 0x80])), 1]), /not well-formed UTF-8/],
    ['an empty topic', rawPacket(0x30, [0, 0, 1, 2]), /empty topic name/],
    ['a wildcard in a topic name', rawPacket(0x30, [...utf8Field('a/#'), 1]), /wildcard/],
    ['a topic longer than the packet', rawPacket(0x30, [0, 50, 0x61]), /runs past the packet/],
    ['QoS 3', rawPacket(0x36, [...utf8Field('a'), ...id(1)]), /QoS 3/],
    ['PUBLISH QoS 1 with packet id 0', rawPacket(0x32, [...utf8Field('a'), ...id(0), 1]), /packet id 0/],
    ['SUBSCRIBE with packet id 0', rawPacket(0x82, [...id(0), ...utf8Field('a'), 0]), /packet id 0/],
    ['an empty SUBSCRIBE', rawPacket(0x82, id(1)), /without a topic filter/],
    ['an empty UNSUBSCRIBE', rawPacket(0xa2, id(1)), /without a topic filter/],
    ['SUBSCRIBE with reserved flags 0', rawPacket(0x80, [...id(1), ...utf8Field('a'), 0]), /reserved flags 0000/],
    ['SUBSCRIBE asking QoS 3', rawPacket(0x82, [...id(1), ...utf8Field('a'), 3]), /QoS byte 3/],
    ['SUBSCRIBE with a filter and no QoS byte', rawPacket(0x82, [...id(1), ...utf8Field('a')]), /without its QoS byte/],
    ['UNSUBSCRIBE with a filter of invalid UTF-8', rawPacket(0xa2, [...id(1), ...utf8Field(Uint8Array.from([0xff]))]), /not well-formed UTF-8/],
    ['PUBACK with packet id 0', rawPacket(0x40, id(0)), /packet id 0/],
    ['PUBACK of 3 bytes', rawPacket(0x40, [0, 1, 2]), /3 bytes \(2 expected\)/],
    ['PINGREQ with a body', rawPacket(0xc0, [0]), /PINGREQ with a body of 1 bytes/],
    ['DISCONNECT with a body', rawPacket(0xe0, [0, 0]), /DISCONNECT with a body/],
    ['a CONNACK from a client', rawPacket(0x20, [0, 0]), /sent by servers/],
    ['reserved type 15', rawPacket(0xf0, []), /reserved packet type 15/],
  ];
  it.each(bad)('refuses %s, whole or byte by byte, naming the rule', (_name, bytes, reason) => {
    for (const chunkSize of [1, 3, bytes.length]) {
      const violation = feed(new MqttFrameMeter(1 << 20), Uint8Array.from([...rawPacket(0xc0, []), ...bytes]), chunkSize);
      expect(violation).toMatchObject({ kind: 'malformed', reason: expect.stringMatching(reason) });
    }
  });
});
