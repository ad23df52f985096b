import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePacket,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  MIN_MAX_PACKET_BYTES,
  PacketReader,
  type ConnectFields,
  type InboundPacket,
  type MqttQos,
} from '../../../sdk/mqtt/index.js';
import { toHex } from '../../../sdk/testing/bytes.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { generate, parseAll, type Packet } from './support/reference-packets.js';

const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes);

/** Frames one packet's bytes and decodes it. */
function decode(bytes: Uint8Array): InboundPacket {
  const reader = new PacketReader(Math.max(MIN_MAX_PACKET_BYTES, bytes.length));
  reader.push(bytes);
  const raw = reader.next();
  if (!raw) throw new Error('incomplete packet');
  expect(reader.bufferedBytes).toBe(0);
  return decodePacket(raw);
}

/** Our encoding must equal mqtt-packet's, and mqtt-packet must parse it back to `reference`. */
function expectSameAsReference(ours: Uint8Array, reference: Packet): void {
  expect(toHex(ours)).toBe(toHex(generate(reference)));
  const [parsed, ...rest] = parseAll(ours);
  expect(rest).toEqual([]);
  expect(parsed).toMatchObject({ cmd: reference.cmd });
}

const connectFields: ConnectFields = {
  clientId: 'hh-0001',
  username: 'hh-0001',
  password: Uint8Array.of(0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27, 0x00, 0xff),
  keepAliveSeconds: 30,
  cleanSession: true,
};

describe('encoding matches mqtt-packet byte for byte', () => {
  it('encodes CONNECT with client id, user name, binary password, keep alive and clean session', () => {
    const ours = encodeConnect(connectFields);
    expectSameAsReference(ours, {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'hh-0001',
      username: 'hh-0001',
      password: buffer(connectFields.password),
      clean: true,
      keepalive: 30,
    });
    const [parsed] = parseAll(ours);
    expect(parsed).toMatchObject({ clientId: 'hh-0001', username: 'hh-0001', clean: true, keepalive: 30, protocolVersion: 4 });
    expect(new Uint8Array((parsed as { password: Buffer }).password)).toEqual(connectFields.password);
  });

  it('encodes CONNECT without clean session and with multi-byte UTF-8 and extreme keep alives', () => {
    for (const keepAliveSeconds of [0, 1, 65_535]) {
      const fields = { ...connectFields, clientId: 'ü-終端', username: 'ñame', keepAliveSeconds, cleanSession: false };
      expectSameAsReference(encodeConnect(fields), {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: fields.clientId,
        username: fields.username,
        password: buffer(fields.password),
        clean: false,
        keepalive: keepAliveSeconds,
      });
    }
  });

  it('encodes a CONNECT whose password is the largest MQTT allows', () => {
    const password = new Uint8Array(65_535).fill(0xab);
    expectSameAsReference(encodeConnect({ ...connectFields, password }), {
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: connectFields.clientId,
      username: connectFields.username,
      password: buffer(password),
      clean: true,
      keepalive: 30,
    });
  });

  it('encodes SUBSCRIBE at QoS 0 and 1 with the reserved flags 0010', () => {
    for (const qos of [0, 1] as const) {
      const ours = encodeSubscribe(65_535, 'fairway/1/hh-0001/down/#', qos);
      expect(ours[0]).toBe(0x82);
      expectSameAsReference(ours, { cmd: 'subscribe', messageId: 65_535, subscriptions: [{ topic: 'fairway/1/hh-0001/down/#', qos }] });
    }
  });

  it('encodes PUBLISH at QoS 0, QoS 1, and QoS 1 marked duplicate', () => {
    const payload = Uint8Array.of(0xa2, 0x61, 0x74, 0x00);
    const topic = 'fairway/1/hh-0001/up/offer.get';
    expectSameAsReference(encodePublish({ topic, payload, qos: 0 }), {
      cmd: 'publish', topic, payload: buffer(payload), qos: 0, dup: false, retain: false,
    });
    expectSameAsReference(encodePublish({ topic, payload, qos: 1, packetId: 1 }), {
      cmd: 'publish', topic, payload: buffer(payload), qos: 1, messageId: 1, dup: false, retain: false,
    });
    expectSameAsReference(encodePublish({ topic, payload, qos: 1, packetId: 513, dup: true }), {
      cmd: 'publish', topic, payload: buffer(payload), qos: 1, messageId: 513, dup: true, retain: false,
    });
  });

  it('encodes PUBLISH with an empty payload', () => {
    expectSameAsReference(encodePublish({ topic: 't', payload: new Uint8Array(0), qos: 0 }), {
      cmd: 'publish', topic: 't', payload: Buffer.alloc(0), qos: 0, dup: false, retain: false,
    });
  });

  it('encodes PUBACK, PINGREQ and DISCONNECT', () => {
    expectSameAsReference(encodePuback(1), { cmd: 'puback', messageId: 1 });
    expectSameAsReference(encodePuback(65_535), { cmd: 'puback', messageId: 65_535 });
    expectSameAsReference(encodePingreq(), { cmd: 'pingreq' });
    expectSameAsReference(encodeDisconnect(), { cmd: 'disconnect' });
  });

  // Topic "a/b" (2 + 3 bytes) at QoS 0: the payload fills the rest of the Remaining Length.
  it.each([127, 128, 16_383, 16_384, 2_097_151, 2_097_152])('encodes and decodes a Remaining Length of %i like mqtt-packet', (remaining) => {
    const payload = new Uint8Array(remaining - 5).map((_, i) => i * 7);
    const ours = encodePublish({ topic: 'a/b', payload, qos: 0 });
    const reference = generate({ cmd: 'publish', topic: 'a/b', payload: buffer(payload), qos: 0, dup: false, retain: false });
    const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
    expect(ours.length).toBe(1 + lengthBytes + remaining);
    expect(toHex(ours.subarray(0, 1 + lengthBytes))).toBe(toHex(reference.subarray(0, 1 + lengthBytes)));
    expect(Buffer.compare(buffer(ours), buffer(reference))).toBe(0);
    const decoded = decode(reference);
    expect(decoded).toMatchObject({ type: 'publish', topic: 'a/b' });
    expect(Buffer.compare(buffer((decoded as { payload: Uint8Array }).payload), buffer(payload))).toBe(0);
  });

  it('matches mqtt-packet for random PUBLISH packets', () => {
    const topicChar = fc.constantFrom(...'abcXYZ019-_./ü終'.split(''));
    fc.assert(
      fc.property(
        fc.string({ unit: topicChar, minLength: 1, maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom<MqttQos>(0, 1),
        fc.integer({ min: 1, max: 65_535 }),
        fc.boolean(),
        (topic, payload, qos, packetId, dup) => {
          const ours = qos === 0 ? encodePublish({ topic, payload, qos }) : encodePublish({ topic, payload, qos, packetId, dup });
          const reference = generate({
            cmd: 'publish', topic, payload: buffer(payload), qos, messageId: packetId, dup: qos === 1 && dup, retain: false,
          });
          expect(toHex(ours)).toBe(toHex(reference));
        },
      ),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('matches mqtt-packet for random CONNECT packets', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 64 }).filter((s) => !s.includes('\u0000')),
        fc.string({ maxLength: 64 }).filter((s) => !s.includes('\u0000')),
        fc.uint8Array({ maxLength: 800 }),
        fc.integer({ min: 0, max: 65_535 }),
        (clientId, username, password, keepAliveSeconds) => {
          const ours = encodeConnect({ clientId, username, password, keepAliveSeconds, cleanSession: true });
          const reference = generate({
            cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId, username, password: buffer(password), clean: true, keepalive: keepAliveSeconds,
          });
          expect(toHex(ours)).toBe(toHex(reference));
        },
      ),
      { seed, numRuns: fuzzRuns },
    );
  });
});

describe('decoding what mqtt-packet generates', () => {
  it('decodes CONNACK for every return code, with and without a session', () => {
    for (const returnCode of [0, 1, 2, 3, 4, 5]) {
      expect(decode(generate({ cmd: 'connack', returnCode, sessionPresent: false }))).toEqual({ type: 'connack', returnCode, sessionPresent: false });
    }
    expect(decode(generate({ cmd: 'connack', returnCode: 0, sessionPresent: true }))).toEqual({ type: 'connack', returnCode: 0, sessionPresent: true });
  });

  it('decodes SUBACK with granted QoS 0, 1, 2 and the failure code 0x80', () => {
    expect(decode(generate({ cmd: 'suback', messageId: 9, granted: [0, 1, 2, 0x80] }))).toEqual({
      type: 'suback', packetId: 9, returnCodes: [0, 1, 2, 0x80],
    });
  });

  it('decodes PUBLISH at QoS 0 and 1, with the dup and retain flags', () => {
    const payload = Uint8Array.of(1, 2, 3, 0, 255);
    expect(decode(generate({ cmd: 'publish', topic: 'fairway/1/hh/down/chunk', payload: buffer(payload), qos: 0, dup: false, retain: true }))).toEqual({
      type: 'publish', topic: 'fairway/1/hh/down/chunk', payload, qos: 0, dup: false, retain: true,
    });
    expect(decode(generate({ cmd: 'publish', topic: 'ü/終', payload: buffer(payload), qos: 1, messageId: 65_535, dup: true, retain: false }))).toEqual({
      type: 'publish', topic: 'ü/終', payload, qos: 1, packetId: 65_535, dup: true, retain: false,
    });
  });

  it('hands out a payload the caller owns, not a view of the read buffer', () => {
    const bytes = generate({ cmd: 'publish', topic: 't', payload: Buffer.from([1, 2, 3]), qos: 0, dup: false, retain: false });
    const message = decode(bytes);
    bytes.fill(0);
    expect(message).toMatchObject({ payload: Uint8Array.of(1, 2, 3) });
  });

  it('decodes PUBACK and PINGRESP', () => {
    expect(decode(generate({ cmd: 'puback', messageId: 300 }))).toEqual({ type: 'puback', packetId: 300 });
    expect(decode(generate({ cmd: 'pingresp' }))).toEqual({ type: 'pingresp' });
  });

  it('decodes random PUBLISH packets to what was generated', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((s) => !/[+#\u0000]/.test(s) && !/\p{Cs}/u.test(s)),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom<MqttQos>(0, 1),
        fc.integer({ min: 1, max: 65_535 }),
        fc.boolean(),
        fc.boolean(),
        (topic, payload, qos, packetId, dup, retain) => {
          const decoded = decode(generate({ cmd: 'publish', topic, payload: buffer(payload), qos, messageId: packetId, dup: qos === 1 && dup, retain }));
          expect(decoded).toEqual({
            type: 'publish', topic, payload, qos, dup: qos === 1 && dup, retain, ...(qos === 1 ? { packetId } : {}),
          });
        },
      ),
      { seed, numRuns: fuzzRuns },
    );
  });
});

describe('encoding refuses what MQTT cannot carry', () => {
  it.each([
    ['an empty topic', { topic: '' }],
    ['a topic with +', { topic: 'a/+/b' }],
    ['a topic with #', { topic: 'a/#' }],
    ['a topic with U+0000', { topic: 'a\u0000b' }],
    ['a topic with a lone surrogate', { topic: 'a\ud800' }],
    ['a topic over 65535 UTF-8 bytes', { topic: 'é'.repeat(32_768) }],
    ['a payload that is not a Uint8Array', { payload: [1, 2] as unknown as Uint8Array }],
    ['QoS 2', { qos: 2 as MqttQos, packetId: 1 }],
    ['QoS 1 without a packet id', { qos: 1 as MqttQos }],
    ['QoS 1 with packet id 0', { qos: 1 as MqttQos, packetId: 0 }],
    ['QoS 1 with packet id 65536', { qos: 1 as MqttQos, packetId: 65_536 }],
    ['QoS 0 with a packet id', { packetId: 1 }],
    ['QoS 0 marked duplicate', { dup: true }],
  ])('refuses to publish %s', (_, change) => {
    expectKindSync(() => encodePublish({ topic: 't', payload: new Uint8Array(1), qos: 0, ...change }), 'invalid-argument');
  });

  it('refuses a PUBLISH whose Remaining Length would pass 268435455 as too-large', () => {
    // A view that claims the length without allocating it: only .length is read before the refusal.
    const huge = new Proxy(new Uint8Array(0), { get: (target, key) => (key === 'length' ? 268_435_455 : Reflect.get(target, key)) });
    expectKindSync(() => encodePublish({ topic: 't', payload: huge, qos: 0 }), 'too-large');
  });

  it.each([
    ['an empty filter', ''],
    ['# not last', 'a/#/b'],
    ['# sharing a level', 'a/b#'],
    ['+ sharing a level', 'a/b+/c'],
    ['a filter with U+0000', 'a/\u0000'],
  ])('refuses to subscribe with %s', (_, filter) => {
    expectKindSync(() => encodeSubscribe(1, filter, 1), 'invalid-argument');
  });

  it('accepts the wildcard filters the spec allows', () => {
    for (const filter of ['#', '+', '+/+', 'a/+/b/#', '/', 'a//b']) expect(encodeSubscribe(1, filter, 0)[0]).toBe(0x82);
  });

  it('refuses SUBSCRIBE with a bad packet id or QoS 2', () => {
    expectKindSync(() => encodeSubscribe(0, 'a', 1), 'invalid-argument');
    expectKindSync(() => encodeSubscribe(1.5, 'a', 1), 'invalid-argument');
    expectKindSync(() => encodeSubscribe(1, 'a', 2 as MqttQos), 'invalid-argument');
  });

  it('refuses PUBACK with packet id 0', () => {
    expectKindSync(() => encodePuback(0), 'invalid-argument');
  });

  it.each([
    ['keep alive -1', { keepAliveSeconds: -1 }],
    ['keep alive 65536', { keepAliveSeconds: 65_536 }],
    ['keep alive 1.5', { keepAliveSeconds: 1.5 }],
    ['a password over 65535 bytes', { password: new Uint8Array(65_536) }],
    ['a password that is not bytes', { password: 'secret' as unknown as Uint8Array }],
    ['a client id with U+0000', { clientId: 'a\u0000' }],
    ['a user name with a lone surrogate', { username: '\udc00' }],
    ['a client id that is not a string', { clientId: 7 as unknown as string }],
    ['an empty client id without a clean session', { clientId: '', cleanSession: false }],
  ])('refuses CONNECT with %s', (_, change) => {
    expectKindSync(() => encodeConnect({ ...connectFields, ...change }), 'invalid-argument');
  });
});

describe('decoding refuses what a broker must not send', () => {
  const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/ /g, ''), 'hex'));

  it.each([
    ['PUBLISH at QoS 2', '34 05 0001 61 0001'],
    ['PUBLISH at QoS 3', '36 05 0001 61 0001'],
    ['a QoS 0 PUBLISH marked duplicate', '38 03 0001 61'],
    ['PUBLISH with an empty topic', '30 02 0000'],
    ['PUBLISH with a wildcard in its topic', '30 03 0001 23'],
    ['PUBLISH whose topic is not UTF-8', '30 03 0001 ff'],
    ['PUBLISH whose topic has U+0000', '30 03 0001 00'],
    ['PUBLISH whose topic runs past the body', '30 03 0005 61'],
    ['a QoS 1 PUBLISH with packet id 0', '32 05 0001 61 0000'],
    ['a QoS 1 PUBLISH cut before its packet id', '32 04 0001 61 00'],
    ['CONNACK with reserved flags in the fixed header', '21 02 00 00'],
    ['CONNACK with reserved acknowledge flags', '20 02 02 00'],
    ['CONNACK with return code 6', '20 02 00 06'],
    ['a refusing CONNACK that reports a session', '20 02 01 04'],
    ['CONNACK of 3 bytes', '20 03 00 00 00'],
    ['SUBACK without return codes', '90 02 0001'],
    ['SUBACK with return code 3', '90 03 0001 03'],
    ['SUBACK with packet id 0', '90 03 0000 01'],
    ['PUBACK with packet id 0', '40 02 0000'],
    ['PUBACK of 3 bytes', '40 03 0001 00'],
    ['PUBACK with reserved flags', '42 02 0001'],
    ['PINGRESP with a body', 'd0 01 00'],
    ['CONNECT', '10 00'],
    ['SUBSCRIBE', '82 00'],
    ['PUBREC, which only QoS 2 uses', '50 02 0001'],
    ['PUBREL', '62 02 0001'],
    ['PUBCOMP', '70 02 0001'],
    ['UNSUBACK for an UNSUBSCRIBE never sent', 'b0 02 0001'],
    ['PINGREQ', 'c0 00'],
    ['DISCONNECT', 'e0 00'],
    ['the reserved type 0', '00 00'],
    ['the reserved type 15', 'f0 00'],
  ])('refuses %s as malformed', (_, bytes) => {
    const packet = hex(bytes);
    expectKindSync(() => decode(packet), 'malformed');
  });
});
