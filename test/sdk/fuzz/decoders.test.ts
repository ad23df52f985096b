/**
 * Bad input, generated: every decoder that takes bytes from outside gets truncated,
 * oversized, wrong-typed, deeply nested, trailing-byte, unknown-version, bit-flipped and random
 * inputs, and must answer each with a FairwayError of the right kind — never a raw throw.
 * 1,000 cases per property in `npm test`; `npm run fuzz` runs 100,000 with a fresh seed.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CborTag, decodeCbor, encodeCbor, type CborValue } from '../../../sdk/cbor/index.js';
import { ChunkBitmap } from '../../../sdk/chunks/index.js';
import { parseCoseSign1 } from '../../../sdk/cose/index.js';
import { FairwayError, type ErrorKind } from '../../../sdk/errors.js';
import { manifestArtefact } from '../../../sdk/manifest/index.js';
import { credentialArtefact, receiptArtefact } from '../../../sdk/receipt/index.js';
import { licenceArtefact, licenceReceiptArtefact, seatNoticeArtefact } from '../../../sdk/licence/index.js';
import { decodeLocalMessage } from '../../../sdk/local/index.js';
import { buildVectors } from '../../../sdk/vectors/catalog.js';
import { fromHex } from '../../../sdk/vectors/json.js';
import { decodeMessage, encodeMessage } from '../../../sdk/wire/index.js';
import { EXAMPLES } from '../../support/examples.js';
import { crypto, deviceSigner, peerSigner, storeSigner } from '../../support/keys.js';
import { fuzzRuns, seed } from '../../support/seed.js';

const vectors = await buildVectors(deviceSigner, storeSigner, peerSigner, crypto);
const vectorBytes = (name: string, field: 'cbor_hex' | 'cose_hex' = 'cbor_hex') => fromHex(vectors.find((v) => v.name === name)![field]!);

interface Decoder {
  name: string;
  decode: (bytes: Uint8Array) => unknown;
  samples: Uint8Array[];
  /** Whether the decoder reads a versioned map (so the version and field mutations apply). */
  versionedMap: boolean;
  /** Its size cap: larger input is too-large before anything else is looked at. */
  maxBytes: number;
}

const DECODERS: Decoder[] = [
  { name: 'message', decode: (b) => decodeMessage(b), samples: Object.values(EXAMPLES).map((m) => encodeMessage(m as never)), versionedMap: true, maxBytes: 1024 * 1024 },
  { name: 'manifest payload', decode: (b) => manifestArtefact.decodePayload(b), samples: [vectorBytes('signed-manifest'), vectorBytes('signed-manifest-last')], versionedMap: true, maxBytes: 1024 * 1024 },
  { name: 'receipt payload', decode: (b) => receiptArtefact.decodePayload(b), samples: [vectorBytes('signed-receipt')], versionedMap: true, maxBytes: 1024 },
  { name: 'credential payload', decode: (b) => credentialArtefact.decodePayload(b), samples: [vectorBytes('signed-credential')], versionedMap: true, maxBytes: 256 },
  { name: 'licence payload', decode: (b) => licenceArtefact.decodePayload(b), samples: [vectorBytes('signed-licence'), vectorBytes('signed-licence-upfront')], versionedMap: true, maxBytes: 1024 },
  { name: 'licence receipt payload', decode: (b) => licenceReceiptArtefact.decodePayload(b), samples: [vectorBytes('signed-licence-receipt')], versionedMap: true, maxBytes: 1024 },
  { name: 'seat notice payload', decode: (b) => seatNoticeArtefact.decodePayload(b), samples: [vectorBytes('signed-seat-notice')], versionedMap: true, maxBytes: 1024 },
  { name: 'local message from a peer', decode: (b) => decodeLocalMessage(b, 'peer'), samples: [vectorBytes('local-join'), vectorBytes('local-notice'), vectorBytes('chunks.get-ranges')], versionedMap: true, maxBytes: 1024 * 1024 },
  { name: 'local message from a host', decode: (b) => decodeLocalMessage(b, 'host'), samples: [vectorBytes('local-joined'), vectorBytes('local-end'), vectorBytes('local-notice.ok'), vectorBytes('chunk')], versionedMap: true, maxBytes: 1024 * 1024 },
  { name: 'COSE_Sign1', decode: (b) => parseCoseSign1(b), samples: [vectorBytes('signed-receipt', 'cose_hex'), vectorBytes('signed-manifest', 'cose_hex')], versionedMap: false, maxBytes: 1024 * 1024 },
  { name: 'CBOR', decode: (b) => decodeCbor(b), samples: Object.values(EXAMPLES).map((m) => encodeMessage(m as never)), versionedMap: false, maxBytes: 1024 * 1024 },
];

/** Runs the decoder; returns the error kind, or null when it accepted the input. */
function outcome(decoder: Decoder, bytes: Uint8Array): ErrorKind | null {
  try {
    decoder.decode(bytes);
    return null;
  } catch (e) {
    if (!(e instanceof FairwayError)) throw new Error(`${decoder.name} threw a raw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    return e.kind;
  }
}

const options = { numRuns: fuzzRuns, seed };
const anyValue: fc.Arbitrary<CborValue> = fc.oneof(
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ minLength: 1, maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
);

/** Nesting past the cap is too-deep, unless the input is also past the size cap, checked first. */
function expectTooDeep(decoder: Decoder, bytes: Uint8Array): void {
  expect(outcome(decoder, bytes)).toBe(bytes.length > decoder.maxBytes ? 'too-large' : 'too-deep');
}

function classOf(v: unknown): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Fields whose schema is a union of CBOR types, so a swap of type may still be valid. */
const UNION_FIELDS = new Set(['next', 'base']);

for (const decoder of DECODERS) {
  describe(`${decoder.name} decoder under bad input`, () => {
    const sample = fc.constantFrom(...decoder.samples);

    it('accepts every sample it is given (the mutations start from valid input)', () => {
      for (const s of decoder.samples) expect(outcome(decoder, s)).toBeNull();
    });

    it('refuses every truncation as malformed', () => {
      fc.assert(
        fc.property(sample.chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }))), ([s, cut]) => {
          expect(outcome(decoder, s.subarray(0, cut))).toBe('malformed');
        }),
        options,
      );
    });

    it('refuses trailing bytes', () => {
      fc.assert(
        fc.property(sample, fc.uint8Array({ minLength: 1, maxLength: 16 }), (s, tail) => {
          const joined = new Uint8Array(s.length + tail.length);
          joined.set(s);
          joined.set(tail, s.length);
          expect(outcome(decoder, joined)).toBe('trailing-bytes');
        }),
        options,
      );
    });

    it('answers bit flips with a value or a typed error, never a crash', () => {
      fc.assert(
        fc.property(sample, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), (s, flips) => {
          const copy = s.slice();
          for (const [at, mask] of flips) copy[at % copy.length]! ^= mask;
          outcome(decoder, copy);
        }),
        options,
      );
    });

    it('answers random bytes with a value or a typed error, never a crash', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => void outcome(decoder, b)), options);
    });

    it('refuses nesting far past the cap as too-deep', () => {
      fc.assert(
        fc.property(fc.integer({ min: 20, max: 5_000 }), (depth) => {
          const nested = new Uint8Array(depth + 1).fill(0x81);
          nested[depth] = 0x01;
          expectTooDeep(decoder, nested);
        }),
        options,
      );
    });

    if (!decoder.versionedMap) return;

    const asMap = (s: Uint8Array) => decodeCbor(s) as Record<string, CborValue>;

    it('refuses any version but 1 as unsupported-version', () => {
      fc.assert(
        fc.property(sample, fc.integer({ min: -(2 ** 31), max: 2 ** 32 }).filter((v) => v !== 1), (s, v) => {
          expect(outcome(decoder, encodeCbor({ ...asMap(s), v }))).toBe('unsupported-version');
        }),
        options,
      );
    });

    it('refuses a field swapped for a value of another type', () => {
      fc.assert(
        fc.property(sample.chain((s) => fc.tuple(fc.constant(asMap(s)), fc.constantFrom(...Object.keys(asMap(s)).filter((k) => k !== 'v' && k !== 't')))), anyValue, ([body, field], value) => {
          fc.pre(classOf(body[field]) !== classOf(value) && !UNION_FIELDS.has(field));
          const kind = outcome(decoder, encodeCbor({ ...body, [field]: value }));
          expect(kind === 'wrong-type' || kind === 'out-of-range' || kind === 'unknown-type').toBe(true);
        }),
        options,
      );
    });

    it('refuses a field nested deeper than the cap as too-deep', () => {
      fc.assert(
        fc.property(sample, fc.integer({ min: 17, max: 200 }), (s, depth) => {
          let value: CborValue = 1;
          for (let i = 0; i < depth; i++) value = [value];
          expectTooDeep(decoder, encodeCbor({ ...asMap(s), extra: value }));
        }),
        options,
      );
    });

    it('refuses an unknown field', () => {
      fc.assert(
        fc.property(sample, fc.string({ minLength: 1, maxLength: 12 }), anyValue, (s, key, value) => {
          const body = asMap(s);
          fc.pre(!(key in body) && key !== '__proto__');
          expect(outcome(decoder, encodeCbor({ ...body, [key]: value }))).toBe('unknown-field');
        }),
        options,
      );
    });

    it('refuses oversized input before decoding it', () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4096 }), (extra) => {
          // Contents that would otherwise decode fine: a valid sample padded past the cap.
          const huge = new Uint8Array(decoder.maxBytes + extra);
          huge.set(decoder.samples[0]!);
          expect(outcome(decoder, huge)).toBe('too-large');
        }),
        { ...options, numRuns: Math.min(options.numRuns, 50) },
      );
    });
  });
}

describe('chunk bitmap decoder under bad input', () => {
  it('answers any bytes and count with a bitmap or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: -5, max: 600 }), (bytes, count) => {
        try {
          const map = ChunkBitmap.decode(bytes, count);
          expect(map.encode()).toEqual(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(FairwayError);
        }
      }),
      options,
    );
  });
});

it('keeps CborTag values intact through the JSON-free round trip', () => {
  expect(decodeCbor(encodeCbor(new CborTag(18, [1])), { allowedTags: new Set([18]) })).toEqual(new CborTag(18, [1]));
});
