import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_PACKET_BYTES, MAX_MAX_PACKET_BYTES, MIN_MAX_PACKET_BYTES, PacketReader, type RawPacket } from '../../../sdk/mqtt/index.js';
import { TUNABLES } from '../../../sdk/config.js';
import { concatBytes, toHex } from '../../../sdk/testing/bytes.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { generate } from './support/reference-packets.js';

/** A stream of packets of different types and sizes, including multi-byte Remaining Lengths. */
const packets: Uint8Array[] = [
  generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }),
  generate({ cmd: 'suback', messageId: 1, granted: [1] }),
  generate({ cmd: 'publish', topic: 'fairway/1/hh/down/chunk', payload: Buffer.alloc(200, 7), qos: 0, dup: false, retain: false }),
  generate({ cmd: 'pingresp' }),
  generate({ cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 1, messageId: 9, dup: false, retain: false }),
  generate({ cmd: 'puback', messageId: 65_535 }),
];
const stream = concatBytes(packets);

/** The packet as bytes again: first byte, the Remaining Length, the body. */
function reassemble(packet: RawPacket, original: Uint8Array): Uint8Array {
  const header = original.subarray(0, original.length - packet.body.length);
  expect(header[0]).toBe(packet.firstByte);
  return concatBytes([header, packet.body]);
}

/** Feeds `pieces` one by one, collecting every packet as soon as it is complete. */
function frame(reader: PacketReader, pieces: Uint8Array[]): RawPacket[] {
  const out: RawPacket[] = [];
  for (const piece of pieces) {
    reader.push(piece);
    for (let packet = reader.next(); packet; packet = reader.next()) out.push(packet);
  }
  return out;
}

function expectWholeStream(framed: RawPacket[]): void {
  expect(framed.map((packet, i) => toHex(reassemble(packet, packets[i] as Uint8Array)))).toEqual(packets.map(toHex));
}

describe('PacketReader', () => {
  it('frames packets split at every byte boundary', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const framed = frame(new PacketReader(), [stream.subarray(0, cut), stream.subarray(cut)]);
      expectWholeStream(framed);
    }
  });

  it('frames packets that arrive one byte per read', () => {
    const reader = new PacketReader();
    const framed = frame(reader, [...stream].map((byte) => Uint8Array.of(byte)));
    expectWholeStream(framed);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('frames several packets that arrive in one read', () => {
    const reader = new PacketReader();
    reader.push(stream);
    const framed: RawPacket[] = [];
    for (let packet = reader.next(); packet; packet = reader.next()) framed.push(packet);
    expectWholeStream(framed);
  });

  it('frames packets cut into random pieces', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        const sorted = [0, ...cuts.sort((a, b) => a - b), stream.length];
        const pieces = sorted.slice(1).map((end, i) => stream.subarray(sorted[i], end));
        expectWholeStream(frame(new PacketReader(), pieces));
      }),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('returns nothing until a packet is complete, and holds only what it was given', () => {
    const reader = new PacketReader();
    const publish = packets[2] as Uint8Array;
    reader.push(publish.subarray(0, 100));
    expect(reader.next()).toBeUndefined();
    expect(reader.bufferedBytes).toBe(100);
    reader.push(publish.subarray(100));
    expect(reader.next()?.body.length).toBe(publish.length - 3);
    expect(reader.next()).toBeUndefined();
  });

  it('ignores empty pieces', () => {
    const reader = new PacketReader();
    reader.push(new Uint8Array(0));
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.next()).toBeUndefined();
  });

  it('defaults its limit to the largest message body plus room for the topic', () => {
    expect(new PacketReader().maxPacketBytes).toBe(DEFAULT_MAX_PACKET_BYTES);
    expect(DEFAULT_MAX_PACKET_BYTES).toBe(TUNABLES.maxMessageBytes.default + 256);
  });

  it('accepts a packet of exactly the limit, fixed header included', () => {
    const packet = generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(1000), qos: 0, dup: false, retain: false });
    const reader = new PacketReader(packet.length);
    reader.push(packet);
    expect(reader.next()?.body.length).toBe(1003);
  });

  it('refuses a packet one byte over the limit as too-large', () => {
    const packet = generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(1000), qos: 0, dup: false, retain: false });
    const reader = new PacketReader(packet.length - 1);
    reader.push(packet);
    expectKindSync(() => reader.next(), 'too-large');
  });

  it('refuses an oversized packet from its fixed header alone, before any of the body arrives', () => {
    const reader = new PacketReader(4096);
    // PUBLISH announcing 200 MiB: first byte, then a four-byte Remaining Length, nothing more.
    reader.push(Uint8Array.of(0x30, 0x80, 0x80, 0x80, 0x64));
    const error = expectKindSync(() => reader.next(), 'too-large');
    expect(error.message).toContain('4096');
    expect(reader.bufferedBytes).toBe(0);
  });

  it('refuses an oversized packet as soon as its header completes, while packets before it still come out', () => {
    const reader = new PacketReader(MIN_MAX_PACKET_BYTES);
    reader.push(concatBytes([packets[0] as Uint8Array, Uint8Array.of(0x30, 0xff, 0x7f)]));
    expect(reader.next()?.firstByte).toBe(0x20);
    expectKindSync(() => reader.next(), 'too-large');
  });

  it('refuses a Remaining Length of five bytes as malformed, without waiting for the fifth', () => {
    const reader = new PacketReader();
    reader.push(Uint8Array.of(0x30, 0xff, 0xff, 0xff));
    expect(reader.next()).toBeUndefined();
    reader.push(Uint8Array.of(0xff));
    expectKindSync(() => reader.next(), 'malformed');
  });

  it('stays failed: the same error on every later call, and later bytes are dropped', () => {
    const reader = new PacketReader();
    reader.push(Uint8Array.of(0xd0, 0x80, 0x80, 0x80, 0x80, 0x01));
    const first = expectKindSync(() => reader.next(), 'malformed');
    reader.push(packets[3] as Uint8Array);
    expect(reader.bufferedBytes).toBe(0);
    expect(expectKindSync(() => reader.next(), 'malformed')).toBe(first);
  });

  it.each([0, 127, 1.5, Number.NaN, MAX_MAX_PACKET_BYTES + 1])('refuses a limit of %s bytes', (limit) => {
    expectKindSync(() => new PacketReader(limit), 'invalid-argument');
  });

  it('accepts the smallest and largest limits', () => {
    expect(new PacketReader(MIN_MAX_PACKET_BYTES).maxPacketBytes).toBe(128);
    expect(new PacketReader(MAX_MAX_PACKET_BYTES).maxPacketBytes).toBe(268_435_460);
  });
});
