import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sdk/cbor/index.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';
import { EXAMPLES } from '../support/examples.js';
import { expectKindSync } from '../support/expect-fairway.js';

describe('message codec', () => {
  for (const [type, example] of Object.entries(EXAMPLES)) {
    it(`round-trips a ${type} message`, () => {
      expect(decodeMessage(encodeMessage(example as never))).toEqual(example);
    });
  }

  it('encodes fields in schema order whatever order the object was built in', () => {
    const shuffled = { password: 'pw', user: 'alice', rid: 1, t: 'login', v: 1 } as const;
    expect(encodeMessage(shuffled)).toEqual(encodeMessage(EXAMPLES.login as never));
  });

  it('refuses to encode an invalid message, so nothing invalid leaves the choke point', () => {
    expectKindSync(() => encodeMessage({ ...EXAMPLES['offer.get'], part: 'a/b' } as never), 'out-of-range');
  });

  const body = (value: Record<string, unknown>) => encodeCbor(value as never);

  it('refuses an unknown version before anything else', () => {
    const e = expectKindSync(() => decodeMessage(body({ v: 2, t: 'nonsense', zzz: 1 })), 'unsupported-version');
    expect(e.path).toBe('v');
  });

  it('refuses a body without a version', () => {
    expectKindSync(() => decodeMessage(body({ t: 'login' })), 'missing-field');
  });

  it('refuses an unknown type', () => {
    expectKindSync(() => decodeMessage(body({ v: 1, t: 'launch-missiles' })), 'unknown-type');
  });

  it('refuses an unknown field and names it', () => {
    const e = expectKindSync(() => decodeMessage(body({ ...EXAMPLES.login, admin: true })), 'unknown-field');
    expect(e.path).toBe('admin');
  });

  it('refuses a missing field and names it', () => {
    const { password: _, ...rest } = EXAMPLES.login as { password: string };
    const e = expectKindSync(() => decodeMessage(body(rest)), 'missing-field');
    expect(e.path).toBe('password');
  });

  it('refuses a wrong type and names the field', () => {
    const e = expectKindSync(() => decodeMessage(body({ ...EXAMPLES.chunk, d: 'not bytes' })), 'wrong-type');
    expect(e.path).toBe('d');
  });

  it('refuses out-of-range values', () => {
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES['login.ok'], balance: -1 })), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES.chunk, x: new Uint8Array(15) })), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES.offer, price: 501 })), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES.login, rid: 2 ** 32 })), 'out-of-range');
  });

  it('refuses an integer past 2^53 as out-of-range, not as a wrong type', () => {
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES['login.ok'], balance: 2n ** 60n })), 'out-of-range');
  });

  it('counts text limits in UTF-8 bytes, the unit a porter’s buffer has', () => {
    const emoji = '😀'.repeat(64); // 64 code points, 128 UTF-16 units, 256 UTF-8 bytes
    expect(decodeMessage(body({ ...EXAMPLES.refusal, message: emoji })).t).toBe('refusal');
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES.refusal, message: `${emoji}x` })), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES.login, password: 'é'.repeat(65) })), 'out-of-range');
  });

  it('encodes finish results in deterministic key order whatever order they were given in', () => {
    const a = encodeMessage({ ...EXAMPLES.finish, results: { underPar: false, strokes: 72, course: 'x' } } as never);
    const b = encodeMessage({ ...EXAMPLES.finish, results: { course: 'x', underPar: false, strokes: 72 } } as never);
    expect(a).toEqual(b);
    expect(Object.keys((decodeMessage(a) as { results: object }).results)).toEqual(['course', 'strokes', 'underPar']);
  });

  it('refuses a window request whose bitmap names no chunk', () => {
    const { ranges: _, ...rest } = EXAMPLES['chunks.get'] as { ranges: unknown };
    expectKindSync(() => decodeMessage(body({ ...rest, from: 0, bits: new Uint8Array(4) })), 'out-of-range');
  });

  it('refuses a window request that names chunks both ways, or neither', () => {
    expectKindSync(() => decodeMessage(body({ ...EXAMPLES['chunks.get'], from: 0, bits: new Uint8Array([1]) })), 'out-of-range');
    const { ranges: _, ...neither } = EXAMPLES['chunks.get'] as { ranges: unknown };
    expectKindSync(() => decodeMessage(body(neither)), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ ...neither, from: 3 })), 'out-of-range');
  });

  it('refuses a message travelling the wrong way or of a type other than the topic says', () => {
    const bytes = encodeMessage(EXAMPLES.charge as never);
    expectKindSync(() => decodeMessage(bytes, { direction: 'up' }), 'out-of-range');
    expectKindSync(() => decodeMessage(bytes, { expect: 'offer' }), 'out-of-range');
    expect(decodeMessage(bytes, { direction: 'down', expect: 'charge' }).t).toBe('charge');
  });

  it('refuses a body that is not a map', () => {
    expectKindSync(() => decodeMessage(encodeCbor([1, 'login'])), 'wrong-type');
  });

  it('refuses a body over the size cap before decoding it', () => {
    const big = encodeMessage({ ...EXAMPLES.chunk, d: new Uint8Array(60_000) } as never);
    expectKindSync(() => decodeMessage(big, { maxBytes: 50_000 }), 'too-large');
  });
});
