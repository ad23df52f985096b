import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manifestArtefact, PartHasher, verifyChunk, verifyPartHash, type Manifest } from '../../sdk/manifest/index.js';
import { expectKind, expectKindSync } from '../support/expect-fairway.js';
import { crypto, otherSigner, storeSigner, utf8 } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';

const part = seededRandomSource(seed)(40_000);

function describePart(bytes: Uint8Array, chunkBytes = 16_384): Manifest {
  const hasher = new PartHasher(crypto, chunkBytes);
  hasher.update(bytes);
  return { v: 1, part: 'p1', title: 't1', seq: 1, next: 'p2', base: null, ...hasher.finish() };
}

function sha(bytes: Uint8Array): Uint8Array {
  const h = crypto.sha256();
  h.update(bytes);
  return h.digest();
}

describe('part manifest', () => {
  it('hashes a part the same whichever way its bytes are fed in', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40_000 }), { maxLength: 6 }), (cuts) => {
        const hasher = new PartHasher(crypto, 16_384);
        const points = [0, ...cuts.sort((a, b) => a - b), 40_000];
        for (let i = 1; i < points.length; i++) hasher.update(part.subarray(points[i - 1], points[i]));
        const result = hasher.finish();
        expect(result.chunks).toEqual([sha(part.subarray(0, 16_384)), sha(part.subarray(16_384, 32_768)), sha(part.subarray(32_768))]);
        expect(result.hash).toEqual(sha(part));
        expect(result.size).toBe(40_000);
      }),
      { seed, numRuns: 100 },
    );
  });

  it('opens only under the store key it was signed with', async () => {
    const cose = await manifestArtefact.sign(describePart(part), storeSigner, utf8('store'));
    expect((await manifestArtefact.open(cose, storeSigner.publicKey, crypto)).payload.next).toBe('p2');
    await expectKind(() => manifestArtefact.open(cose, otherSigner.publicKey, crypto), 'bad-signature');
  });

  it('refuses a manifest whose hash list does not match its size', async () => {
    const wrong = { ...describePart(part), size: 50_000 };
    await expectKind(() => manifestArtefact.sign(wrong, storeSigner), 'out-of-range');
  });

  it('refuses a part that names itself as next or as base', async () => {
    await expectKind(() => manifestArtefact.sign({ ...describePart(part), next: 'p1' }, storeSigner), 'out-of-range');
    await expectKind(() => manifestArtefact.sign({ ...describePart(part), base: 'p1' }, storeSigner), 'out-of-range');
  });

  it('marks the last part with next = null', async () => {
    const cose = await manifestArtefact.sign({ ...describePart(part), next: null, seq: 18, base: 'p0' }, storeSigner);
    const opened = await manifestArtefact.open(cose, storeSigner.publicKey, crypto);
    expect(opened.payload.next).toBeNull();
    expect(opened.payload.base).toBe('p0');
  });

  it('accepts each true chunk and refuses a changed, short or misplaced one', () => {
    const manifest = describePart(part);
    verifyChunk(manifest, 2, part.subarray(32_768), crypto);
    const flipped = part.slice(0, 16_384);
    flipped[100]! ^= 1;
    expectKindSync(() => verifyChunk(manifest, 0, flipped, crypto), 'hash-mismatch');
    expectKindSync(() => verifyChunk(manifest, 0, part.subarray(0, 16_383), crypto), 'hash-mismatch');
    expectKindSync(() => verifyChunk(manifest, 1, part.subarray(0, 16_384), crypto), 'hash-mismatch');
    expectKindSync(() => verifyChunk(manifest, 3, part.subarray(0, 10), crypto), 'out-of-range');
  });

  it('checks the whole-part hash', () => {
    const manifest = describePart(part);
    verifyPartHash(manifest, sha(part));
    expectKindSync(() => verifyPartHash(manifest, sha(part.subarray(1))), 'hash-mismatch');
  });

  it('refuses an empty part', () => {
    expectKindSync(() => new PartHasher(crypto, 16_384).finish(), 'out-of-range');
  });
});
