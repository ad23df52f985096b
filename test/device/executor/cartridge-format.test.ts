import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExecutorError, type PartImage } from '../../../device/executor/index.js';
import {
  CARTRIDGE_PREFIX_BYTES,
  CODE_MAX_BYTES,
  CONTENT_MAX_DEPTH,
  DATA_MAX_BYTES,
  HEADER_MAX_BYTES,
  READ_PIECE_BYTES,
  cartridgeMinimumBytes,
  encodeCartridge,
  readCartridge,
} from '../../../device/ports/node/cartridge/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { image, LAID_OUT_CODE, LAID_OUT_DATA, laidOut, recordingImage, utf8 } from './images.js';

const CODE_BYTES = LAID_OUT_CODE.length;
const DATA_BYTES = LAID_OUT_DATA.length;

const PROGRAM = 'function play(host) { return { results: { n: host.content.n }, continue: false }; }';

async function badImage(part: PartImage, path?: string): Promise<ExecutorError> {
  const e = await expectKind(() => readCartridge(part), 'invalid-argument');
  expect(e, e.message).toBeInstanceOf(ExecutorError);
  expect((e as ExecutorError).reason, e.message).toBe('bad-image');
  expect((e as ExecutorError).part).toBe(part.part);
  if (path !== undefined) expect(e.path, e.message).toBe(path);
  return e as ExecutorError;
}

describe('the cartridge image', () => {
  it('reads back the program and content an engine part was written with, padding and all', async () => {
    const bytes = encodeCartridge({ kind: 'engine', code: PROGRAM, content: { n: 7, name: 'hole' }, sizeBytes: 300 * 1024, filler: (n) => new Uint8Array(n).fill(0xee) });
    expect(bytes.length).toBe(300 * 1024);
    const read = await readCartridge(image('golf-h01', bytes));
    expect(read).toEqual({ kind: 'engine', code: PROGRAM, contentJson: '{"n":7,"name":"hole"}' });
  });

  it('reads a content part as content only, with no program', async () => {
    const bytes = encodeCartridge({ kind: 'content', content: [1, 2, 3], sizeBytes: 90 * 1024 });
    expect(await readCartridge(image('golf-h02', bytes))).toEqual({ kind: 'content', code: null, contentJson: '[1,2,3]' });
  });

  it('reads in pieces of at most 64 KiB and never reads the padding', async () => {
    const code = `${PROGRAM}\n// ${'x'.repeat(150_000)}`;
    const bytes = encodeCartridge({ kind: 'engine', code, content: { n: 1 }, sizeBytes: 1024 * 1024 });
    const part = recordingImage('big', bytes);
    expect((await readCartridge(part)).code).toBe(code);
    const end = cartridgeMinimumBytes({ kind: 'engine', code, content: { n: 1 } });
    expect(part.reads.length).toBeGreaterThan(3);
    for (const [offset, length] of part.reads) {
      expect(length).toBeLessThanOrEqual(READ_PIECE_BYTES);
      expect(offset + length).toBeLessThanOrEqual(end);
    }
  });

  it('writes no padding when no size is asked for, and zeros when there is no filler', async () => {
    const exact = encodeCartridge({ kind: 'content', content: 1 });
    expect(exact.length).toBe(cartridgeMinimumBytes({ kind: 'content', content: 1 }));
    const padded = encodeCartridge({ kind: 'content', content: 1, sizeBytes: exact.length + 10 });
    expect(padded.subarray(exact.length)).toEqual(new Uint8Array(10));
  });

  describe('refuses to write', () => {
    it('an image larger than the nominal size asked for', () => {
      const needed = cartridgeMinimumBytes({ kind: 'engine', code: PROGRAM, content: {} });
      expect(expectKindSync(() => encodeCartridge({ kind: 'engine', code: PROGRAM, content: {}, sizeBytes: needed - 1 }), 'out-of-range').path).toBe('sizeBytes');
    });
    it('an engine part without a program', () => {
      expectKindSync(() => encodeCartridge({ kind: 'engine', content: {} }), 'invalid-argument');
    });
    it('a content part with a program', () => {
      expectKindSync(() => encodeCartridge({ kind: 'content', code: PROGRAM, content: {} }), 'invalid-argument');
    });
    it('content that JSON cannot hold', () => {
      expectKindSync(() => encodeCartridge({ kind: 'content', content: undefined }), 'invalid-argument');
    });
    it('a program or content over its limit', () => {
      expectKindSync(() => encodeCartridge({ kind: 'engine', code: 'x'.repeat(CODE_MAX_BYTES + 1), content: {} }), 'out-of-range');
      expectKindSync(() => encodeCartridge({ kind: 'content', content: 'x'.repeat(DATA_MAX_BYTES) }), 'out-of-range');
    });
    it('an unknown kind', () => {
      expectKindSync(() => encodeCartridge({ kind: 'cheat' as never, content: {} }), 'invalid-argument');
    });
    it('padding of the wrong length', () => {
      expectKindSync(() => encodeCartridge({ kind: 'content', content: {}, sizeBytes: 100, filler: () => new Uint8Array(1) }), 'invalid-argument');
    });
  });

  describe('is refused as a bad image when', () => {
    it('the magic is wrong', async () => {
      await badImage(image('p', laidOut({ magic: utf8('FWCART2\n') })), 'magic');
      await badImage(image('p', laidOut({ magic: utf8('PK\u0003\u0004zip\n') })), 'magic');
    });

    it('the part is shorter than the prefix, down to empty', async () => {
      for (let size = 0; size < CARTRIDGE_PREFIX_BYTES; size++) await badImage(image('p', laidOut().subarray(0, size)));
    });

    it('the header length is zero, over the limit, or runs past the end', async () => {
      await badImage(image('p', laidOut({ headerLength: 0 })), 'headerBytes');
      await badImage(image('p', laidOut({ headerLength: HEADER_MAX_BYTES + 1 })), 'headerBytes');
      await badImage(image('p', laidOut({ headerLength: 0xffff_ffff })), 'headerBytes');
      await badImage(image('p', laidOut({ headerLength: 200, code: new Uint8Array(0), data: new Uint8Array(0), header: new Uint8Array([0xa0]) })), 'headerBytes');
    });

    it('the header is not CBOR, or not a map of text keys', async () => {
      await badImage(image('p', laidOut({ header: new Uint8Array([0xff, 0xff]) })), 'header');
      await badImage(image('p', laidOut({ header: [1, 2, 3] })), 'header');
      await badImage(image('p', laidOut({ header: 'engine' })), 'header');
      await badImage(image('p', laidOut({ header: new Map<number, number>([[1, 2]]) })), 'header');
    });

    it('the header has an unknown field, another version, or an unknown kind', async () => {
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'engine', codeBytes: CODE_BYTES, dataBytes: DATA_BYTES, extra: 1 } })), 'header.extra');
      await badImage(image('p', laidOut({ header: { v: 2, kind: 'engine', codeBytes: CODE_BYTES, dataBytes: DATA_BYTES } })), 'header.v');
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'cheat', codeBytes: CODE_BYTES, dataBytes: DATA_BYTES } })), 'header.kind');
    });

    it('a length is negative, fractional, over its limit or not a number', async () => {
      for (const codeBytes of [-1, CODE_MAX_BYTES + 1, String(CODE_BYTES), null, true]) {
        await badImage(image('p', laidOut({ header: { v: 1, kind: 'engine', codeBytes, dataBytes: DATA_BYTES } })), 'header.codeBytes');
      }
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'engine', codeBytes: CODE_BYTES, dataBytes: DATA_MAX_BYTES + 1 } })), 'header.dataBytes');
      // { "v": 1.5 } as a CBOR half float: the codec admits no floats at all.
      await badImage(image('p', laidOut({ header: new Uint8Array([0xa1, 0x61, 0x76, 0xf9, 0x3e, 0x00]) })), 'header');
    });

    it('the program and content run past the end of the part', async () => {
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'engine', codeBytes: CODE_BYTES, dataBytes: DATA_BYTES + 1 } })), 'header');
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'engine', codeBytes: CODE_MAX_BYTES, dataBytes: DATA_MAX_BYTES } })), 'header');
    });

    it('the image is truncated anywhere before its content ends', async () => {
      const whole = laidOut();
      for (let size = CARTRIDGE_PREFIX_BYTES; size < whole.length; size++) await badImage(image('p', whole.subarray(0, size)));
      await expect(readCartridge(image('p', whole))).resolves.toBeTruthy();
    });

    it('an engine has no program, a content part has one, or a part has no content', async () => {
      await badImage(image('p', laidOut({ code: new Uint8Array(0) })), 'header.codeBytes');
      await badImage(image('p', laidOut({ header: { v: 1, kind: 'content', codeBytes: CODE_BYTES, dataBytes: DATA_BYTES } })), 'header.codeBytes');
      await badImage(image('p', laidOut({ data: new Uint8Array(0) })), 'header.dataBytes');
    });

    it('the program or the content is not UTF-8', async () => {
      await badImage(image('p', laidOut({ code: new Uint8Array([0x66, 0xc3, 0x28, 0x80]) })), 'code');
      await badImage(image('p', laidOut({ data: new Uint8Array([0x22, 0xff, 0x22]) })), 'content');
    });

    it('the content is not JSON, or nests too deep', async () => {
      await badImage(image('p', laidOut({ data: utf8('{par: 4}') })), 'content');
      await badImage(image('p', laidOut({ data: utf8(`${'['.repeat(CONTENT_MAX_DEPTH + 1)}${']'.repeat(CONTENT_MAX_DEPTH + 1)}`) })), 'content');
      await expect(readCartridge(image('p', laidOut({ data: utf8(`${'['.repeat(CONTENT_MAX_DEPTH)}${']'.repeat(CONTENT_MAX_DEPTH)}`) })))).resolves.toBeTruthy();
    });

    it('the part claims an impossible size', async () => {
      for (const sizeBytes of [-1, 0.5, Number.NaN, 2 ** 60]) await badImage({ ...image('p', laidOut()), sizeBytes }, 'sizeBytes');
    });

    it('reading the part fails, or gives fewer or other bytes than asked', async () => {
      const good = image('p', laidOut());
      const failing: PartImage = { ...good, read: () => Promise.reject(new FairwayError('io', 'flash read error')) };
      expect((await badImage(failing)).cause).toBeInstanceOf(FairwayError);
      const throwing: PartImage = { ...good, read: () => { throw new Error('sync'); } };
      await badImage(throwing);
      await badImage({ ...good, read: async (o, n) => (await good.read(o, n)).subarray(1) });
      await badImage({ ...good, read: async (o, n) => new Uint8Array(n + 1) });
      await badImage({ ...good, read: async () => [1, 2, 3] as unknown as Uint8Array });
    });
  });

  it('answers any damaged image with a bad-image error, never another failure', async () => {
    const sample = encodeCartridge({ kind: 'engine', code: PROGRAM, content: { n: 1, hazards: ['water'] }, sizeBytes: 400 });
    const damaged = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
        const copy = sample.slice();
        copy[at]! ^= flip;
        return copy;
      }),
      fc.nat(sample.length).map((cut) => sample.subarray(0, cut)),
    );
    await fc.assert(
      fc.asyncProperty(damaged, async (bytes) => {
        try {
          await readCartridge(image('p', bytes));
        } catch (e) {
          expect(e, `seed ${seed}`).toBeInstanceOf(ExecutorError);
          expect((e as ExecutorError).reason).toBe('bad-image');
        }
      }),
      { seed, numRuns: fuzzRuns },
    );
  });
});
