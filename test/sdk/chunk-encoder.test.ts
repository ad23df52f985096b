/**
 * The store's direct `chunk` encoder against the general one: the same bytes for every body
 * the schema admits, the published vectors reproduced, and the same refusals for bodies it does not.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VECTOR_DIR } from '../../cli/commands/vectors.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';
import { fromJsonValue, toHex, type JsonValue } from '../../sdk/vectors/json.js';
import { decodeMessage, encodeChunkMessage, encodeMessage, type ChunkBody } from '../../sdk/wire/index.js';
import { fuzzRuns, seed } from '../support/seed.js';

const transfer = new Uint8Array(16).fill(7);

function viaSchema(body: ChunkBody): Uint8Array {
  return encodeMessage({ v: 1, t: 'chunk', ...body });
}

describe('the direct chunk encoder', () => {
  it('reproduces the published chunk vectors byte for byte', () => {
    for (const name of ['chunk.json', 'chunk-max.json']) {
      const vector = JSON.parse(readFileSync(`${DEFAULT_VECTOR_DIR}/${name}`, 'utf8')) as { value: JsonValue; cbor_hex: string };
      const value = fromJsonValue(vector.value) as unknown as ChunkBody;
      expect(toHex(encodeChunkMessage(value)), name).toBe(vector.cbor_hex);
    }
  });

  it('gives the bytes encodeMessage gives for every valid body, at every integer width', () => {
    const u32 = fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 0x1_0100 }), fc.constantFrom(23, 24, 255, 256, 65_535, 65_536, 0xffff_ffff), fc.integer({ min: 0, max: 0xffff_ffff }));
    const data = fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(1_000, 16 * 1024, 64 * 1024).map((n) => new Uint8Array(n).fill(n & 0xff)));
    fc.assert(
      fc.property(u32, u32, fc.uint8Array({ minLength: 16, maxLength: 16 }), data, (r, i, x, d) => {
        const body = { r, i, x, d };
        const direct = encodeChunkMessage(body);
        expect(Buffer.from(direct).equals(viaSchema(body))).toBe(true);
        const decoded = decodeMessage(direct) as ChunkBody;
        expect([decoded.r, decoded.i, Buffer.from(decoded.x).equals(x), Buffer.from(decoded.d).equals(d)]).toEqual([r, i, true, true]);
      }),
      { seed, numRuns: fuzzRuns },
    );
  });

  it('refuses what the schema refuses, with the same error kinds and fields', () => {
    const good: ChunkBody = { r: 1, x: transfer, i: 2, d: new Uint8Array(4) };
    const bad: [Partial<Record<keyof ChunkBody, unknown>>, string, string][] = [
      [{ r: -1 }, 'out-of-range', 'r'],
      [{ r: 2 ** 32 }, 'out-of-range', 'r'],
      [{ r: 1.5 }, 'wrong-type', 'r'],
      [{ i: '3' }, 'wrong-type', 'i'],
      [{ x: new Uint8Array(15) }, 'out-of-range', 'x'],
      [{ x: 'abc' }, 'wrong-type', 'x'],
      [{ d: new Uint8Array(64 * 1024 + 1) }, 'out-of-range', 'd'],
      [{ d: [1, 2] }, 'wrong-type', 'd'],
    ];
    for (const [change, kind, field] of bad) {
      const body = { ...good, ...change } as ChunkBody;
      const direct = expectThrow(() => encodeChunkMessage(body), [kind as never]);
      expect(direct.path, JSON.stringify(change)).toBe(field);
      expect(() => viaSchema(body)).toThrow();
    }
  });
});
