/**
 * "Kart Rally demo": the demo catalog's demo program (seed 004, category "demo program"), free,
 * one part that carries its own engine and one track. chooseAdvert may send it after a title,
 * like an advert, because a demo is the store's way of showing what else it sells.
 */
import { join } from 'node:path';
import { encodeCartridge } from '../../device/ports/node/cartridge/format.js';
import { Xoshiro128StarStar } from '../../sdk/testing/mocks/seeded-random.js';
import { KART_ENGINE_SOURCE } from './kart-engine.js';
import { seededFiller } from './super-golf.js';
import { writeTitleFolder, type WrittenTitle } from './title-folder.js';

export const KART_DEMO_ID = 'kart-rally-demo';
export const KART_DEMO_PART_ID = 'kart-demo-01';
/** A demo is big for one part: its engine, a track and the attract-mode footage. */
export const DEFAULT_DEMO_BYTES = 160 * 1024;

export interface KartDemoOptions {
  /** Size of the demo's one part. Default 160 KiB. */
  demoBytes?: number;
  /** No padding (tests, quick runs). */
  compact?: boolean;
  seed?: number;
}

export interface KartTrack {
  name: string;
  laps: number;
  lengthMeters: number;
  corners: { sharpness: number }[];
  rivals: number;
  lastStep: boolean;
}

/** The demo's track, the same for the same seed. */
export function generateTrack(seed: number): KartTrack {
  const random = new Xoshiro128StarStar((seed ^ 0x6b617274) >>> 0);
  const between = (low: number, high: number) => low + Math.floor((random.nextUint32() / 2 ** 32) * (high - low + 1));
  const corners = Array.from({ length: between(6, 12) }, () => ({ sharpness: between(1, 5) }));
  return { name: 'Harbour Circuit', laps: 3, lengthMeters: between(900, 1600), corners, rivals: 7, lastStep: true };
}

/** Writes `<dir>/kart-rally-demo/` (title.yaml + one part, free, standard pricing). */
export async function writeKartDemo(dir: string, options: KartDemoOptions = {}): Promise<WrittenTitle> {
  const seed = options.seed ?? 1;
  const sizeBytes = options.compact ? undefined : (options.demoBytes ?? DEFAULT_DEMO_BYTES);
  const bytes = encodeCartridge({ kind: 'engine', code: KART_ENGINE_SOURCE, content: generateTrack(seed), ...(sizeBytes === undefined ? {} : { sizeBytes }), filler: seededFiller(seed ^ 0x4b41, 1) });
  return writeTitleFolder(join(dir, KART_DEMO_ID), {
    id: KART_DEMO_ID,
    name: 'Kart Rally demo',
    provider: 'Sharp',
    creator: 'Fairway Demo Works',
    category: 'demo',
    currency: 'JPY',
    requiresBase: false,
    pricing: { rule: 'standard' },
    parts: [{ id: KART_DEMO_PART_ID, file: `${KART_DEMO_PART_ID}.cart`, priceMinor: 0, bytes }],
  });
}
