/**
 * The demo world's catalog: every title folder is one the store's own title reader accepts,
 * every part is a cartridge the Node executor plays deterministically from a seed, and each
 * title's last part ends the title.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readTitleFile, type TitleFile } from '../../../broker/catalog/title-file.js';
import { bytesPartImage, type PartImage, type PlayOutcome, type Results } from '../../../device/executor/index.js';
import { CartridgeExecutor, readCartridge } from '../../../device/ports/node/cartridge/index.js';
import { CHAPTER_PRICE, HARBOUR_TEA_ADVERT_ID, HARBOUR_TEA_SPONSOR, SPONSOR_PAYS_MINOR, writeDemoCatalog, type WrittenTitle } from '../../../sim/catalog/index.js';
import { seed } from '../../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-demo-catalog-'));
const executor = new CartridgeExecutor();
afterAll(async () => {
  await executor.close();
  await rm(root, { recursive: true, force: true });
});

let folders = 0;
const freshDir = () => join(root, `c${folders++}`);
const compact = await writeDemoCatalog(freshDir(), { seed, compact: true });
const files = new Map<string, TitleFile>(await Promise.all(compact.map(async (t) => [t.id, await readTitleFile(join(t.folder, 'title.yaml'))] as const)));
const fileOf = (id: string): TitleFile => files.get(id) ?? expect.unreachable(`no title ${id}`);

async function images(title: WrittenTitle): Promise<PartImage[]> {
  return Promise.all(title.parts.map(async (p, i) => bytesPartImage({ part: p.id, title: title.id, seq: i + 1 }, await readFile(join(title.folder, p.file)))));
}

/** Every part in order, as a terminal that buys them all would play them: later parts on the base when the title has one. */
async function playAll(title: WrittenTitle, playSeed: number): Promise<PlayOutcome[]> {
  const parts = await images(title);
  const requiresBase = fileOf(title.id).requiresBase;
  const outcomes: PlayOutcome[] = [];
  let carried: Results = {};
  for (const [i, part] of parts.entries()) {
    const outcome = await executor.play({ part, base: i > 0 && requiresBase ? parts[0]! : null, carried, seed: playSeed + i });
    outcomes.push(outcome);
    carried = outcome.results;
  }
  return outcomes;
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('the demo catalog', () => {
  it('writes golf in 18 holes, the novel in 8 chapters, a demo program, three adverts and the puzzle, each a folder the store’s title reader accepts', () => {
    expect(compact.map((t) => [t.id, fileOf(t.id).category, t.parts.length])).toEqual([
      ['super-golf', 'game', 18],
      ['lighthouse-keeper', 'book', 8],
      ['kart-rally-demo', 'demo', 1],
      ['harbour-tea-advert', 'advert', 1],
      ['golf-tour-advert', 'advert', 1],
      ['tidewater-advert', 'advert', 1],
      ['pocket-puzzle', 'game', 2],
    ]);
    expect(fileOf('lighthouse-keeper')).toMatchObject({ name: 'The Lighthouse Keeper', requiresBase: true, currency: 'JPY' });
    expect(fileOf('lighthouse-keeper').parts.map((p) => p.id)).toEqual(['lighthouse-c01', 'lighthouse-c02', 'lighthouse-c03', 'lighthouse-c04', 'lighthouse-c05', 'lighthouse-c06', 'lighthouse-c07', 'lighthouse-c08']);
    expect(fileOf('kart-rally-demo').parts[0]!.price).toBe(0);
    for (const id of ['harbour-tea-advert', 'golf-tour-advert', 'tidewater-advert']) expect(fileOf(id).parts.map((p) => p.price)).toEqual([0]);
  });

  it('prices the novel’s first three chapters with the advert rule: Harbour Tea pays part, its advert is a title of the catalog, and the sponsor is that advert’s provider', () => {
    const novel = fileOf('lighthouse-keeper');
    expect(novel.pricing).toEqual({
      rule: 'advert',
      sponsored: SPONSOR_PAYS_MINOR.map((sponsorPaysMinor, i) => ({ seq: i + 1, advertTitle: HARBOUR_TEA_ADVERT_ID, sponsor: HARBOUR_TEA_SPONSOR, sponsorPaysMinor })),
    });
    expect(novel.parts.every((p) => p.price === CHAPTER_PRICE)).toBe(true);
    expect(SPONSOR_PAYS_MINOR.every((pays) => pays > 0 && pays < CHAPTER_PRICE)).toBe(true);
    expect(fileOf(HARBOUR_TEA_ADVERT_ID)).toMatchObject({ category: 'advert', provider: HARBOUR_TEA_SPONSOR });
  });

  it('puts a program in the first part of every title; the novel’s later chapters, like golf’s later holes, carry only content', async () => {
    for (const title of compact) {
      const kinds = (await Promise.all((await images(title)).map(readCartridge))).map((c) => c.kind);
      const later = fileOf(title.id).requiresBase ? 'content' : 'engine';
      expect([title.id, kinds]).toEqual([title.id, ['engine', ...Array<string>(kinds.length - 1).fill(later)]]);
    }
  });

  it(`plays every part of every title in order from seed ${seed}, and only the last part says continue: false (or a player who stopped)`, async () => {
    for (const title of compact) {
      const outcomes = await playAll(title, seed);
      const what = `${title.id}, seed ${seed}`;
      expect(outcomes.at(-1)!.continue, what).toBe(false);
      outcomes.slice(0, -1).forEach((outcome, i) => {
        // Only a game's player may stop early: golf's `quit`, the puzzle's unsolved level.
        const stopped = outcome.results.quit === true || outcome.results.solved === false;
        expect(outcome.continue, `${what}, part ${i + 1}`).toBe(!stopped);
      });
    }
  });

  it('carries the reader’s totals from chapter to chapter and ends on chapter 8', async () => {
    const novel = compact.find((t) => t.id === 'lighthouse-keeper')!;
    const outcomes = await playAll(novel, seed);
    const last = outcomes.at(-1)!.results;
    expect(last).toMatchObject({ book: 'The Lighthouse Keeper', chapter: 8, chapterTitle: 'Morning over the Sound', chaptersRead: 8 });
    expect(last.totalWords).toBe(outcomes.reduce((sum, o) => sum + (o.results.words as number), 0));
    expect(last.totalSeconds).toBe(outcomes.reduce((sum, o) => sum + (o.results.readingSeconds as number), 0));
  });

  it('plays the same way for the same seed and differently for another', async () => {
    for (const title of compact) {
      const a = await playAll(title, seed);
      expect(await playAll(title, seed), title.id).toEqual(a);
    }
    const novel = compact.find((t) => t.id === 'lighthouse-keeper')!;
    const speeds = async (s: number) => (await playAll(novel, s)).map((o) => o.results.wordsPerMinute);
    expect(await speeds(seed + 1)).not.toEqual(await speeds(seed));
  });

  it('writes byte-identical folders for the same seed, and another book for another seed', async () => {
    const hashes = async (titles: WrittenTitle[]) => Promise.all(titles.flatMap((t) => [readFile(join(t.folder, 'title.yaml')), ...t.parts.map((p) => readFile(join(t.folder, p.file)))]).map(async (b) => sha(await b)));
    const again = await writeDemoCatalog(freshDir(), { seed, compact: true });
    expect(await hashes(again)).toEqual(await hashes(compact));
    const other = await writeDemoCatalog(freshDir(), { seed: seed + 1, compact: true });
    const chapter = async (titles: WrittenTitle[]) => JSON.parse((await readCartridge((await images(titles[1]!))[1]!)).contentJson) as { paragraphs: string[] };
    expect((await chapter(other)).paragraphs).not.toEqual((await chapter(compact)).paragraphs);
  });

  it('writes the novel as prose: titled chapters of 10+ paragraphs of whole sentences, 1,000–6,000 words each', async () => {
    const novel = compact.find((t) => t.id === 'lighthouse-keeper')!;
    for (const part of await images(novel)) {
      const chapter = JSON.parse((await readCartridge(part)).contentJson) as { title: string; paragraphs: string[] };
      const words = chapter.paragraphs.join(' ').split(/\s+/).length;
      expect(chapter.title.length, part.part).toBeGreaterThan(0);
      expect(chapter.paragraphs.length, part.part).toBeGreaterThanOrEqual(10);
      expect(words, part.part).toBeGreaterThanOrEqual(1_000);
      expect(words, part.part).toBeLessThanOrEqual(6_000);
      for (const paragraph of chapter.paragraphs) expect(paragraph, part.part).toMatch(/^[A-Z"].*[.?!"]$/);
      expect(chapter.paragraphs.join(' '), part.part).not.toMatch(/undefined|NaN|\$\{/);
    }
  });

  it('writes full-size parts at their nominal sizes: golf 300 + 17 × 90 KiB, chapters 96 then 48 KiB, the demo 160 KiB, adverts 24 KiB', async () => {
    const full = await writeDemoCatalog(freshDir(), { seed });
    const sizes = new Map(full.map((t) => [t.id, t.parts.map((p) => p.sizeBytes)]));
    expect(sizes.get('super-golf')).toEqual([300 * 1024, ...Array<number>(17).fill(90 * 1024)]);
    expect(sizes.get('lighthouse-keeper')).toEqual([96 * 1024, ...Array<number>(7).fill(48 * 1024)]);
    expect(sizes.get('kart-rally-demo')).toEqual([160 * 1024]);
    expect(sizes.get('golf-tour-advert')).toEqual([24 * 1024]);
    const compactSizes = compact.flatMap((t) => t.parts.map((p) => p.sizeBytes));
    expect(Math.max(...compactSizes)).toBeLessThan(24 * 1024);
  });
});
