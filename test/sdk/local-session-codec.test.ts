/**
 * The local session's codec [FW-14.1]. Frames: a length and a body, cut out of whatever pieces the local
 * link delivers; oversize and empty frames refused from the header alone, and for good.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sdk/cbor/index.js';
import { decodeLocalMessage, encodeFrame, encodeLocalMessage, FrameReader } from '../../sdk/local/index.js';
import { encodeMessage } from '../../sdk/wire/index.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';
import { fuzzRuns, seed } from '../support/seed.js';

function readAll(reader: FrameReader): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let frame = reader.next(); frame; frame = reader.next()) out.push(frame);
  return out;
}

describe('local-session frames', () => {
  it('gives back every body, in order, however the stream was cut', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }), (bodies, cuts) => {
        const stream = Uint8Array.from(bodies.flatMap((b) => [...encodeFrame(b)]));
        const reader = new FrameReader();
        const got: Uint8Array[] = [];
        let at = 0;
        for (let i = 0; at < stream.length; i++) {
          const size = cuts[i % cuts.length]!;
          reader.push(stream.subarray(at, at + size));
          at += size;
          got.push(...readAll(reader));
        }
        expect(got.map((b) => [...b])).toEqual(bodies.map((b) => [...b]));
        expect(reader.bufferedBytes).toBe(0);
      }),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('waits for the rest of a frame without handing out part of it', () => {
    const reader = new FrameReader();
    const frame = encodeFrame(new Uint8Array([1, 2, 3]));
    reader.push(frame.subarray(0, 5));
    expect(reader.next()).toBeNull();
    reader.push(frame.subarray(5));
    expect([...reader.next()!]).toEqual([1, 2, 3]);
  });

  it('refuses an oversize length from the header alone, and stays refused', () => {
    const reader = new FrameReader(1024);
    reader.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expectThrow(() => reader.next(), ['too-large']);
    reader.push(new Uint8Array(10));
    expectThrow(() => reader.next(), ['too-large']);
  });

  it('refuses a zero-length frame as malformed', () => {
    const reader = new FrameReader();
    reader.push(Uint8Array.of(0, 0, 0, 0, 9));
    expectThrow(() => reader.next(), ['malformed']);
  });

  it('will not write an empty or oversize frame, or accept a nonsense cap', () => {
    expectThrow(() => encodeFrame(new Uint8Array(0)), ['malformed']);
    expectThrow(() => encodeFrame(new Uint8Array(11), 10), ['too-large']);
    for (const cap of [0, -1, 1.5, 2 ** 32]) expectThrow(() => new FrameReader(cap), ['out-of-range']);
  });
});

describe('local-session messages', () => {
  const licence = new Uint8Array(16).fill(1);

  it('refuses a body its sender does not send: a host does not join, a peer does not end', () => {
    expectThrow(() => decodeLocalMessage(encodeLocalMessage({ v: 1, t: 'join', rid: 1, peer: 'hh-0002' }), 'host'), ['out-of-range']);
    expectThrow(() => decodeLocalMessage(encodeLocalMessage({ v: 1, t: 'end', licence, reason: 'host-ended' }), 'peer'), ['out-of-range']);
  });

  it('refuses store-only types, unknown end reasons and unknown fields with the kinds of FW-10.2', () => {
    expectThrow(() => decodeLocalMessage(encodeMessage({ v: 1, t: 'offer.get', rid: 1, part: 'p' }), 'peer'), ['unknown-type']);
    expectThrow(() => decodeLocalMessage(encodeCbor({ v: 1, t: 'end', licence, reason: 'bored' }), 'host'), ['out-of-range', 'wrong-type']);
    expectThrow(() => decodeLocalMessage(encodeCbor({ v: 1, t: 'join', rid: 1, peer: 'hh-0002', seat: 3 }), 'peer'), ['unknown-field']);
    expectThrow(() => decodeLocalMessage(encodeCbor({ v: 2, t: 'join', rid: 1, peer: 'hh-0002' }), 'peer'), ['unsupported-version']);
  });

  it('reads the store protocol\'s chunk messages unchanged, so a peer streams from a host as from a store', () => {
    const chunk = { v: 1 as const, t: 'chunk' as const, r: 3, x: licence, i: 0, d: Uint8Array.of(9) };
    expect(decodeLocalMessage(encodeMessage(chunk), 'host')).toEqual(chunk);
  });
});
