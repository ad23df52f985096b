import { describe, expect, it } from 'vitest';
import { CborTag, decodeCbor, encodeCbor } from '../../sdk/cbor/index.js';
import { fromHex, toHex } from '../../sdk/vectors/json.js';
import { expectKindSync } from '../support/expect-fairway.js';

const hex = (s: string) => fromHex(s.replace(/\s/g, ''));

describe('CBOR encoding', () => {
  it('writes integers with the shortest head, including wall-clock milliseconds past 2^32', () => {
    expect(toHex(encodeCbor(23))).toBe('17');
    expect(toHex(encodeCbor(24))).toBe('1818');
    expect(toHex(encodeCbor(0xffffffff))).toBe('1affffffff');
    expect(toHex(encodeCbor(0x1_0000_0000))).toBe('1b0000000100000000');
    expect(toHex(encodeCbor(1_795_000_000_000))).toBe('1b000001a1ee565e00');
    expect(toHex(encodeCbor(-1))).toBe('20');
    expect(toHex(encodeCbor(-(2 ** 32)))).toBe('3affffffff');
    expect(toHex(encodeCbor(-(2 ** 32) - 1))).toBe('3b0000000100000000');
  });

  it('refuses to encode a non-integer number, since the protocol has no floats', () => {
    expectKindSync(() => encodeCbor(1.5), 'wrong-type');
  });

  it('keeps map keys in the order given and integer keys as integers', () => {
    expect(toHex(encodeCbor({ b: 1, a: 2 }))).toBe('a2616201616102');
    expect(toHex(encodeCbor(new Map([[1, -8]])))).toBe('a10127');
  });

  it('writes Uint8Array as a plain byte string and a tag with its number', () => {
    expect(toHex(encodeCbor(new Uint8Array([1, 2])))).toBe('420102');
    expect(toHex(encodeCbor(new CborTag(18, [])))).toBe('d280');
  });
});

describe('CBOR decoding', () => {
  it('round-trips the data model into portable values', () => {
    const value = { a: 1, big: 1_795_000_000_000, neg: -300, s: 'héllo', b: new Uint8Array([9]), l: [true, false, null], m: { x: 'y' } };
    const back = decodeCbor(encodeCbor(value));
    expect(back).toEqual(value);
    expect(Object.getPrototypeOf((back as { b: Uint8Array }).b)).toBe(Uint8Array.prototype);
  });

  it('turns 64-bit integers inside the safe range into numbers and keeps larger ones as bigint', () => {
    expect(decodeCbor(hex('1b0000000000000005'))).toBe(5);
    expect(decodeCbor(hex('1bffffffffffffffff'))).toBe(2n ** 64n - 1n);
  });

  it('keeps integer-keyed maps as Maps (COSE headers)', () => {
    expect(decodeCbor(hex('a201270300'))).toEqual(new Map([[1, -8], [3, 0]]));
  });

  it('keeps a "__proto__" key as data, never as a prototype', () => {
    const decoded = decodeCbor(hex('a1695f5f70726f746f5f5fa16178 01')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__']);
  });

  const refusals: [string, string, string][] = [
    ['an empty input', '', 'malformed'],
    ['a truncated byte string', '4401', 'malformed'],
    ['a truncated map', 'a26161', 'malformed'],
    ['an array whose count exceeds the input', '9a7fffffff00', 'malformed'],
    ['a byte string whose length exceeds 2^53', '5bffffffffffffffff00', 'malformed'],
    ['trailing bytes', '0102', 'trailing-bytes'],
    ['a float', 'fb3ff8000000000000', 'malformed'],
    ['a half float', 'f93c00', 'malformed'],
    ['undefined', 'f7', 'malformed'],
    ['a simple value', 'f810', 'malformed'],
    ['an indefinite-length array', '9f01ff', 'malformed'],
    ['an indefinite-length text string', '7f6161ff', 'malformed'],
    ['a stray break', 'ff', 'malformed'],
    ['reserved additional information', '1c', 'malformed'],
    ['a duplicate map key', 'a2616101616102', 'malformed'],
    ['a duplicate key written once with a longer head', 'a263726964017803726964 02', 'malformed'],
    ['a duplicate integer key written with a longer head', 'a201271801 20', 'malformed'],
    ['a byte-string map key', 'a1410101', 'malformed'],
    ['invalid UTF-8 in a text string', '62c328', 'malformed'],
    ['a tag that is not allowed here', 'c11a5f000000', 'malformed'],
    ['the cbor-x record extension tag', 'd9dfff80', 'malformed'],
  ];
  for (const [what, input, kind] of refusals) {
    it(`refuses ${what} with ${kind}`, () => {
      expectKindSync(() => decodeCbor(hex(input)), kind as never);
    });
  }

  it('refuses nesting deeper than the cap with too-deep, not a RangeError', () => {
    const deep = new Uint8Array(100_000).fill(0x81);
    expectKindSync(() => decodeCbor(deep, { maxBytes: 200_000 }), 'too-deep');
    expect(decodeCbor(hex('818181818101'), { maxDepth: 5 })).toEqual([[[[[1]]]]]);
    expectKindSync(() => decodeCbor(hex('81818181818101'), { maxDepth: 5 }), 'too-deep');
  });

  it('refuses input over the size cap before reading it', () => {
    const e = expectKindSync(() => decodeCbor(new Uint8Array(2049), { maxBytes: 2048 }), 'too-large');
    expect(e.message).toContain('2049');
  });

  it('accepts tag 18 only when the caller allows it', () => {
    expectKindSync(() => decodeCbor(hex('d280')), 'malformed');
    expect(decodeCbor(hex('d280'), { allowedTags: new Set([18]) })).toEqual(new CborTag(18, []));
  });

  it('refuses an over-long map key before keying the duplicate check on it', () => {
    const key = 'k'.repeat(100);
    expectKindSync(() => decodeCbor(encodeCbor({ [key]: 1 })), 'malformed');
  });
});
