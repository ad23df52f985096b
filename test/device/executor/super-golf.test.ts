import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { findPart, menuPage } from '../../../broker/catalog/catalog-reader.js';
import type { ContentStore } from '../../../broker/catalog/content-store.js';
import { prepareTitle, type PreparedPart } from '../../../broker/catalog/prepare-title.js';
import { saveTitle } from '../../../broker/catalog/save-title.js';
import { readTitleFile } from '../../../broker/catalog/title-file.js';
import { openStoreData } from '../../../broker/store-data.js';
import { bytesPartImage, type PartImage, type PlayOutcome, type Results } from '../../../device/executor/index.js';
import { CartridgeExecutor, readCartridge } from '../../../device/ports/node/cartridge/index.js';
import { NodeCrypto } from '../../../device/ports/node/index.js';
import { generateCourse, writePocketPuzzle, writeSuperGolf, type WrittenTitle } from '../../../sim/catalog/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-golf-'));
const executor = new CartridgeExecutor();
afterAll(async () => {
  await executor.close();
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
const freshDir = () => join(root, `t${folders++}`);

/** The title's parts as the terminal would hold them: PartImages over the written files. */
async function images(title: WrittenTitle, titleId = 'super-golf'): Promise<PartImage[]> {
  return Promise.all(title.parts.map(async (p, i) => bytesPartImage({ part: p.id, title: titleId, seq: i + 1 }, await readFile(join(title.folder, p.file)))));
}

/** Plays parts in order from the first, as a terminal does: each on the first part's engine, until the engine says stop. */
async function playThrough(parts: PartImage[], roundSeed: number, requiresBase = true): Promise<PlayOutcome[]> {
  const outcomes: PlayOutcome[] = [];
  let carried: Results = {};
  for (const [i, part] of parts.entries()) {
    const outcome = await executor.play({ part, base: i > 0 && requiresBase ? parts[0]! : null, carried, seed: roundSeed + i });
    outcomes.push(outcome);
    carried = outcome.results;
    if (!outcome.continue) break;
  }
  return outcomes;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the Super Golf demo title', () => {
  it('is written as a title folder the store’s own reader accepts: 18 holes, hole 1 the big one, 500, 450, 400, 350 then 300 yen', async () => {
    const title = await writeSuperGolf(freshDir(), { seed });
    const file = await readTitleFile(join(title.folder, 'title.yaml'));
    expect(file).toMatchObject({ id: 'super-golf', name: 'Super Golf', provider: 'Sharp', category: 'game', currency: 'JPY', requiresBase: true });
    expect(file.pricing.rule).toBe('by-previous-uses');
    expect(file.parts.map((p) => p.id)).toEqual(Array.from({ length: 18 }, (_, i) => `golf-h${String(i + 1).padStart(2, '0')}`));
    expect(file.parts.map((p) => p.price).slice(0, 6)).toEqual([500, 450, 400, 350, 300, 300]);
    expect(title.parts[0]!.sizeBytes).toBe(300 * 1024);
    expect(title.parts.slice(1).every((p) => p.sizeBytes === 90 * 1024)).toBe(true);
  });

  it('puts the engine in hole 1 only; later holes carry their hole and no program', async () => {
    const parts = await images(await writeSuperGolf(freshDir(), { holes: 3, seed, engineBytes: 40_000, holeBytes: 9_000 }));
    const read = await Promise.all(parts.map(readCartridge));
    expect(read.map((c) => c.kind)).toEqual(['engine', 'content', 'content']);
    expect(read[1]!.code).toBeNull();
    expect(JSON.parse(read[2]!.contentJson)).toMatchObject({ number: 3, lastHole: true });
    expect(parts.map((p) => p.sizeBytes)).toEqual([40_000, 9_000, 9_000]);
  });

  it('writes byte-identical parts for the same seed, and another course for another seed', async () => {
    const options = { holes: 3, engineBytes: 20_000, holeBytes: 5_000 };
    const [a, b, c] = await Promise.all([writeSuperGolf(freshDir(), { ...options, seed }), writeSuperGolf(freshDir(), { ...options, seed }), writeSuperGolf(freshDir(), { ...options, seed: seed + 1 })]);
    const hashes = async (t: WrittenTitle) => Promise.all(t.parts.map(async (p) => sha(await readFile(join(t.folder, p.file)))));
    expect(await hashes(b)).toEqual(await hashes(a));
    expect(await readFile(join(b.folder, 'title.yaml'), 'utf8')).toBe(await readFile(join(a.folder, 'title.yaml'), 'utf8'));
    expect((await hashes(c))[1]).not.toBe((await hashes(a))[1]);
    expect(generateCourse(18, seed)).toEqual(generateCourse(18, seed));
  });

  it('plays hole by hole, holes 2 and 3 on hole 1’s engine, carrying the score to the results of the last hole', async () => {
    const parts = await images(await writeSuperGolf(freshDir(), { holes: 3, seed, engineBytes: 40_000, holeBytes: 9_000 }));
    // The first round from `seed` on that reaches the last hole (a player may stop early).
    let round: PlayOutcome[] = [];
    let roundSeed = seed;
    for (; roundSeed < seed + 50 * 10; roundSeed += 10) {
      round = await playThrough(parts, roundSeed);
      if (round.length === 3) break;
    }
    expect(round.map((o) => o.continue), `round seed ${roundSeed}`).toEqual([true, true, false]);
    const last = round[2]!.results;
    const strokes = round.map((o) => o.results.strokes as number);
    expect(round.map((o) => o.results.hole)).toEqual([1, 2, 3]);
    expect(last).toMatchObject({ hole: 3, holesPlayed: 3, total: strokes[0]! + strokes[1]! + strokes[2]!, quit: false, course: 'Fairway Hills' });
    expect(last.toPar).toBe((last.total as number) - (last.totalPar as number));
    // The same seed replays the same round, stroke for stroke.
    expect(await playThrough(parts, roundSeed)).toEqual(round);
  });

  it('keeps the score honest on every round: strokes within par + 4, totals adding up, stopping only at the last hole or when the player quits', async () => {
    const parts = await images(await writeSuperGolf(freshDir(), { holes: 5, seed, engineBytes: 40_000, holeBytes: 9_000 }));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), async (roundSeed) => {
        const round = await playThrough(parts, roundSeed);
        let total = 0;
        round.forEach((outcome, i) => {
          const r = outcome.results;
          total += r.strokes as number;
          expect(r.strokes).toBeGreaterThanOrEqual(1);
          expect(r.strokes).toBeLessThanOrEqual((r.par as number) + 4);
          expect(r).toMatchObject({ hole: i + 1, holesPlayed: i + 1, total });
          expect(outcome.continue).toBe(i < parts.length - 1 && r.quit === false);
        });
        const stoppedEarly = round.length < parts.length;
        expect(round.at(-1)!.results.quit, `round seed ${roundSeed}`).toBe(stoppedEarly);
      }),
      { seed, numRuns: 40 },
    );
  });

  it('refuses a hole count outside 1 – 99, or a part size too small for what it carries', async () => {
    for (const holes of [0, 100, 2.5]) expect((await expectKind(() => writeSuperGolf(freshDir(), { holes }), 'out-of-range')).path).toBe('holes');
    expect((await expectKind(() => writeSuperGolf(freshDir(), { holes: 2, engineBytes: 1_000 }), 'out-of-range')).path).toBe('sizeBytes');
    expect((await expectKind(() => writeSuperGolf(freshDir(), { holes: 2, holeBytes: 100 }), 'out-of-range')).path).toBe('sizeBytes');
  });

  it('writes the pricing rule it is given', async () => {
    const title = await writeSuperGolf(freshDir(), { holes: 3, engineBytes: 20_000, holeBytes: 5_000, pricing: { rule: 'by-order', prices: [500, 450, 400] } });
    expect((await readTitleFile(join(title.folder, 'title.yaml'))).pricing).toEqual({ rule: 'by-order', prices: [500, 450, 400] });
  });
});

describe('the Pocket Puzzle demo title', () => {
  it('has two levels, each carrying its own engine, and plays them without a base', async () => {
    const title = await writePocketPuzzle(freshDir(), { seed });
    const file = await readTitleFile(join(title.folder, 'title.yaml'));
    expect(file).toMatchObject({ id: 'pocket-puzzle', requiresBase: false, parts: [{ id: 'puzzle-l1', price: 200 }, { id: 'puzzle-l2', price: 150 }] });
    const parts = await images(title, 'pocket-puzzle');
    expect((await Promise.all(parts.map(readCartridge))).map((c) => c.kind)).toEqual(['engine', 'engine']);
    const round = await playThrough(parts, seed, false);
    expect(round[0]!.results).toMatchObject({ level: 1 });
    expect(round.at(-1)!.continue).toBe(false);
  });
});

describe('the demo titles in a real store', () => {
  it('import with the store’s catalog code, show on the menu with their parts and prices, and play from the store’s copy', async () => {
    const titles = freshDir();
    const golf = await writeSuperGolf(titles, { holes: 3, seed });
    await writePocketPuzzle(titles, { seed });
    const store = await openStoreData(join(root, 'store'), { nowMs: 1_795_000_000_000 });
    try {
      const prepared: Record<string, PreparedPart[]> = {};
      for (const folder of ['super-golf', 'pocket-puzzle']) {
        const title = await prepareTitle(join(titles, folder), { content: store.content, crypto: new NodeCrypto(), storeSigner: store.key.signer, storeKid: store.key.kid });
        await saveTitle(store.database.db, title, folder, 1_795_000_000_000);
        prepared[folder] = title.parts;
      }
      const { titles: menu } = await menuPage(store.database.db, undefined, 10);
      expect(menu).toEqual([
        expect.objectContaining({ title: 'pocket-puzzle', name: 'Pocket Puzzle', parts: 2, firstPart: 'puzzle-l1', firstPrice: 200 }),
        expect.objectContaining({ title: 'super-golf', name: 'Super Golf', provider: 'Sharp', category: 'game', parts: 3, firstPart: 'golf-h01', firstPrice: 500, sizeBytes: 300 * 1024 + 2 * 90 * 1024, advert: false }),
      ]);
      const holes = await Promise.all(['golf-h01', 'golf-h02', 'golf-h03'].map(async (id) => (await findPart(store.database.db, id))!.part));
      expect(holes.map((p) => [p.id, p.seq, p.listPriceMinor, p.baseId, p.nextId])).toEqual([
        ['golf-h01', 1, 500, null, 'golf-h02'],
        ['golf-h02', 2, 450, 'golf-h01', 'golf-h03'],
        ['golf-h03', 3, 400, 'golf-h01', null],
      ]);
      expect(holes.map((p) => p.sizeBytes)).toEqual(golf.parts.map((p) => p.sizeBytes));
      // What the store streams is what plays: read each part back from its content store.
      const stored = prepared['super-golf']!.map((p) => storedImage(store.content, p, 'super-golf'));
      const round = await playThrough(stored, seed);
      expect(round).toEqual(await playThrough(await images(golf), seed));
    } finally {
      await store.close();
    }
  });
});

function storedImage(content: ContentStore, part: PreparedPart, title: string): PartImage {
  return { part: part.id, title, seq: part.seq, sizeBytes: part.sizeBytes, read: (offsetBytes, lengthBytes) => content.read(part.contentHash, offsetBytes, lengthBytes) };
}
