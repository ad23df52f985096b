/**
 * "The Lighthouse Keeper": the demo catalog's book (seed 004: a novel divided into chapters).
 * Chapter 1 carries the reader engine and its own text; chapters 2…N carry only their text
 * and name chapter 1 as their base. Its first chapters are sponsored (seed 004, second
 * embodiment, Fig. 19): each is sent with the Harbour Tea advert, the sponsor pays part of
 * the list price and the reader pays the rest.
 */
import { join } from 'node:path';
import type { PricingRuleInput } from '../../broker/pricing/index.js';
import { encodeCartridge } from '../../device/ports/node/cartridge/format.js';
import { FairwayError } from '../../sdk/errors.js';
import { HARBOUR_TEA_ADVERT_ID, HARBOUR_TEA_SPONSOR } from './adverts.js';
import { CHAPTERS_MAX, writeChapterText } from './novel-text.js';
import { READER_ENGINE_SOURCE } from './reader-engine.js';
import { seededFiller } from './super-golf.js';
import { writeTitleFolder, type WrittenTitle } from './title-folder.js';

export const NOVEL_ID = 'lighthouse-keeper';
export const NOVEL_NAME = 'The Lighthouse Keeper';
/** Chapter 1 carries the reader too, and a cover picture's worth of padding. */
export const DEFAULT_READER_BYTES = 96 * 1024;
/** A chapter's text is 6–12 KB; the rest stands in for its illustrations. */
export const DEFAULT_CHAPTER_BYTES = 48 * 1024;
/** List price of every chapter, JPY. */
export const CHAPTER_PRICE = 120;

/** What the sponsor pays for chapters 1, 2, 3 (seed 004 Fig. 19's shape: the first part most). */
export const SPONSOR_PAYS_MINOR: readonly number[] = [100, 50, 50];

export const NOVEL_PRICING: PricingRuleInput = {
  rule: 'advert',
  sponsored: SPONSOR_PAYS_MINOR.map((sponsorPaysMinor, i) => ({ seq: i + 1, advertTitle: HARBOUR_TEA_ADVERT_ID, sponsor: HARBOUR_TEA_SPONSOR, sponsorPaysMinor })),
};

export interface NovelOptions {
  /** Number of chapters (parts), 3–8 (the first three are sponsored). Default 8. */
  chapters?: number;
  /** Size of chapter 1's part (reader + text + padding). Default 96 KiB. */
  readerBytes?: number;
  /** Size of every later chapter's part. Default 48 KiB. */
  chapterBytes?: number;
  /** No padding: every part only as large as its program and text (tests, quick runs). */
  compact?: boolean;
  seed?: number;
}

/** What a chapter part carries as its content (the reader engine reads it as host.content). */
export interface NovelChapter {
  book: string;
  chapter: number;
  title: string;
  paragraphs: string[];
  lastChapter: boolean;
}

export function novelPartId(chapter: number): string {
  return `lighthouse-c${String(chapter).padStart(2, '0')}`;
}

/** The chapters of the book, the same for the same seed. */
export function generateNovel(chapters: number, seed: number): NovelChapter[] {
  checkChapters(chapters);
  return Array.from({ length: chapters }, (_, i) => {
    const text = writeChapterText(i + 1, seed);
    return { book: NOVEL_NAME, chapter: text.number, title: text.title, paragraphs: text.paragraphs, lastChapter: i + 1 === chapters };
  });
}

/** Writes `<dir>/lighthouse-keeper/` (title.yaml + one file per chapter). */
export async function writeNovel(dir: string, options: NovelOptions = {}): Promise<WrittenTitle> {
  const chapters = options.chapters ?? CHAPTERS_MAX;
  const seed = options.seed ?? 1;
  const book = generateNovel(chapters, seed);
  const parts = book.map((chapter, i) => {
    const filler = seededFiller(seed ^ 0x0b00c, i + 1);
    const sizeBytes = options.compact ? undefined : i === 0 ? (options.readerBytes ?? DEFAULT_READER_BYTES) : (options.chapterBytes ?? DEFAULT_CHAPTER_BYTES);
    const bytes =
      i === 0
        ? encodeCartridge({ kind: 'engine', code: READER_ENGINE_SOURCE, content: chapter, ...(sizeBytes === undefined ? {} : { sizeBytes }), filler })
        : encodeCartridge({ kind: 'content', content: chapter, ...(sizeBytes === undefined ? {} : { sizeBytes }), filler });
    const id = novelPartId(chapter.chapter);
    return { id, file: `${id}.cart`, priceMinor: CHAPTER_PRICE, bytes };
  });
  return writeTitleFolder(join(dir, NOVEL_ID), {
    id: NOVEL_ID,
    name: NOVEL_NAME,
    provider: 'Tidewater Books',
    creator: 'Mara Quill',
    category: 'book',
    currency: 'JPY',
    requiresBase: true,
    pricing: NOVEL_PRICING,
    parts,
  });
}

function checkChapters(chapters: number): void {
  const least = SPONSOR_PAYS_MINOR.length;
  if (!Number.isSafeInteger(chapters) || chapters < least || chapters > CHAPTERS_MAX) {
    throw new FairwayError('out-of-range', `chapters ${chapters}; ${least}–${CHAPTERS_MAX} (the first ${least} are sponsored)`, 'chapters');
  }
}
