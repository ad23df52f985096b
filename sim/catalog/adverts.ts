/**
 * The demo catalog's adverts (seed 004, category "advertisement data"): one-part titles whose
 * provider is the sponsor, each carrying the advert player and its own copy. The store sends
 * one after a title's last part, chosen from the user's history, and attaches Harbour Tea's
 * to the novel's sponsored chapters. Adverts are free: the sponsor pays for them.
 */
import { join } from 'node:path';
import { encodeCartridge } from '../../device/ports/node/cartridge/format.js';
import { ADVERT_ENGINE_SOURCE } from './advert-engine.js';
import { seededFiller } from './super-golf.js';
import { writeTitleFolder, type WrittenTitle } from './title-folder.js';

export const HARBOUR_TEA_ADVERT_ID = 'harbour-tea-advert';
export const HARBOUR_TEA_SPONSOR = 'Harbour Tea Company';
/** An advert part: its player, its copy and a picture's worth of padding. */
export const DEFAULT_ADVERT_BYTES = 24 * 1024;

export interface AdvertCopy {
  headline: string;
  lines: string[];
  sponsor: string;
  /** The title the advert is for, when it advertises one of the store's titles ('' otherwise). */
  advertises: string;
  displayMs: number;
  /** How likely a player who watches it to the end is interested, 0–100. */
  interestPercent: number;
  lastPart: boolean;
}

export interface DemoAdvert {
  id: string;
  partId: string;
  name: string;
  copy: AdvertCopy;
}

/** Every advert of the demo catalog. The sponsor is the title's provider (what chooseAdvert reports). */
export const DEMO_ADVERTS: readonly DemoAdvert[] = [
  {
    id: HARBOUR_TEA_ADVERT_ID,
    partId: 'harbour-tea-ad1',
    name: 'Harbour Tea: a cup for every chapter',
    copy: {
      headline: 'A cup for every chapter',
      lines: ['Harbour Tea, blended on the quay since 1887.', 'Chapters 1 to 3 of The Lighthouse Keeper are on us.'],
      sponsor: HARBOUR_TEA_SPONSOR,
      advertises: '',
      displayMs: 8_000,
      interestPercent: 25,
      lastPart: true,
    },
  },
  {
    id: 'golf-tour-advert',
    partId: 'golf-tour-ad1',
    name: 'Super Golf: Tour Edition, coming soon',
    copy: {
      headline: 'Super Golf: Tour Edition',
      lines: ['Four new courses, wind you can read, a rival who never tires.', 'Coming soon, one hole at a time.'],
      sponsor: 'Sharp',
      advertises: 'super-golf',
      displayMs: 12_000,
      interestPercent: 40,
      lastPart: true,
    },
  },
  {
    id: 'tidewater-advert',
    partId: 'tidewater-ad1',
    name: 'Tidewater Books: new this month',
    copy: {
      headline: 'New this month from Tidewater Books',
      lines: ['Sea stories, chapter by chapter, on your handheld.', 'Start The Lighthouse Keeper today.'],
      sponsor: 'Tidewater Books',
      advertises: 'lighthouse-keeper',
      displayMs: 10_000,
      interestPercent: 30,
      lastPart: true,
    },
  },
];

export interface AdvertOptions {
  /** Size of each advert's part. Default 24 KiB. */
  advertBytes?: number;
  /** No padding (tests, quick runs). */
  compact?: boolean;
  seed?: number;
}

/** Writes one folder per advert under `dir`: title.yaml + one free part, standard pricing. */
export async function writeAdverts(dir: string, options: AdvertOptions = {}): Promise<WrittenTitle[]> {
  const seed = options.seed ?? 1;
  const written: WrittenTitle[] = [];
  for (const [i, advert] of DEMO_ADVERTS.entries()) {
    const sizeBytes = options.compact ? undefined : (options.advertBytes ?? DEFAULT_ADVERT_BYTES);
    const bytes = encodeCartridge({ kind: 'engine', code: ADVERT_ENGINE_SOURCE, content: advert.copy, ...(sizeBytes === undefined ? {} : { sizeBytes }), filler: seededFiller(seed ^ 0xad, i + 1) });
    written.push(
      await writeTitleFolder(join(dir, advert.id), {
        id: advert.id,
        name: advert.name,
        provider: advert.copy.sponsor,
        creator: '',
        category: 'advert',
        currency: 'JPY',
        requiresBase: false,
        pricing: { rule: 'standard' },
        parts: [{ id: advert.partId, file: `${advert.partId}.cart`, priceMinor: 0, bytes }],
      }),
    );
  }
  return written;
}
