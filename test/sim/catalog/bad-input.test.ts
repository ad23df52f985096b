/**
 * The demo catalog's writers and engines refuse what they cannot use: out-of-range options
 * with a FairwayError naming the option, and bad content with the executor's `crashed`
 * (the engine's own check threw), never a half-written title or a silent game.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesPartImage, ExecutorError } from '../../../device/executor/index.js';
import { CartridgeExecutor, encodeCartridge } from '../../../device/ports/node/cartridge/index.js';
import {
  ADVERT_ENGINE_SOURCE,
  DEMO_ADVERTS,
  generateNovel,
  generateTrack,
  KART_ENGINE_SOURCE,
  READER_ENGINE_SOURCE,
  writeAdverts,
  writeChapterText,
  writeDemoCatalog,
  writeKartDemo,
  writeNovel,
} from '../../../sim/catalog/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-demo-bad-'));
const executor = new CartridgeExecutor();
afterAll(async () => {
  await executor.close();
  await rm(root, { recursive: true, force: true });
});
let folders = 0;
const freshDir = () => join(root, `b${folders++}`);

/** Plays one engine part with this content and returns why the executor refused it. */
async function refusal(code: string, content: unknown): Promise<string> {
  const part = bytesPartImage({ part: 'p1', title: 't', seq: 1 }, encodeCartridge({ kind: 'engine', code, content }));
  try {
    await executor.play({ part, base: null, carried: {}, seed });
  } catch (e) {
    if (e instanceof ExecutorError) return `${e.reason}: ${e.message}`;
    throw e;
  }
  return 'played';
}

describe('the demo catalog’s writers', () => {
  it('refuse a novel of fewer chapters than are sponsored, more than the book has, or a fraction', async () => {
    for (const chapters of [0, 2, 9, 2.5, Number.NaN]) expect((await expectKind(() => writeNovel(freshDir(), { chapters }), 'out-of-range')).path).toBe('chapters');
    expect((await expectKind(() => generateNovel(9, seed), 'out-of-range')).path).toBe('chapters');
  });

  it('refuse a chapter number the book does not have', () => {
    for (const chapter of [0, 9, 1.5, -1]) expect(expectKindSync(() => writeChapterText(chapter, seed), 'out-of-range').path).toBe('chapter');
  });

  it('refuse part sizes too small for the program and content they must carry', async () => {
    expect((await expectKind(() => writeNovel(freshDir(), { readerBytes: 1_000 }), 'out-of-range')).path).toBe('sizeBytes');
    expect((await expectKind(() => writeNovel(freshDir(), { chapterBytes: 1_000 }), 'out-of-range')).path).toBe('sizeBytes');
    expect((await expectKind(() => writeKartDemo(freshDir(), { demoBytes: 100 }), 'out-of-range')).path).toBe('sizeBytes');
    expect((await expectKind(() => writeAdverts(freshDir(), { advertBytes: 100 }), 'out-of-range')).path).toBe('sizeBytes');
  });

  it('pass golf’s own checks through: a course of 0 holes is refused', async () => {
    expect((await expectKind(() => writeDemoCatalog(freshDir(), { compact: true, golf: { holes: 0 } }), 'out-of-range')).path).toBe('holes');
  });
});

describe('the demo catalog’s engines', () => {
  const chapter = generateNovel(3, seed)[0]!;
  const track = generateTrack(seed);
  const advert = DEMO_ADVERTS[0]!.copy;

  it('play the content they were written for', async () => {
    expect(await refusal(READER_ENGINE_SOURCE, chapter)).toBe('played');
    expect(await refusal(KART_ENGINE_SOURCE, track)).toBe('played');
    expect(await refusal(ADVERT_ENGINE_SOURCE, advert)).toBe('played');
  });

  it('the reader refuses content that is not a chapter', async () => {
    for (const bad of ['a string', { ...chapter, chapter: 0 }, { ...chapter, title: 7 }, { ...chapter, paragraphs: [] }, { ...chapter, paragraphs: 'text' }]) {
      expect(await refusal(READER_ENGINE_SOURCE, bad)).toMatch(/^crashed: /);
    }
  });

  it('the kart demo refuses a track it cannot race', async () => {
    for (const bad of [null, { ...track, laps: 0 }, { ...track, laps: 10 }, { ...track, lengthMeters: 50 }, { ...track, corners: 'tight' }, { ...track, rivals: 12 }]) {
      expect(await refusal(KART_ENGINE_SOURCE, bad)).toMatch(/^crashed: /);
    }
  });

  it('the advert player refuses copy it cannot show', async () => {
    for (const bad of [[], { ...advert, headline: 1 }, { ...advert, sponsor: null }, { ...advert, lines: 'x' }, { ...advert, displayMs: 10 }, { ...advert, interestPercent: 101 }]) {
      expect(await refusal(ADVERT_ENGINE_SOURCE, bad)).toMatch(/^crashed: /);
    }
  });
});
