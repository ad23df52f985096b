/**
 * "Pocket Puzzle": a second, tiny demo title for menu variety, and the other title shape — no
 * base part: each of its two levels carries the whole (small) engine itself.
 */
import { join } from 'node:path';
import { encodeCartridge } from '../../device/ports/node/cartridge/format.js';
import { PUZZLE_ENGINE_SOURCE } from './puzzle-engine.js';
import { seededFiller } from './super-golf.js';
import { writeTitleFolder, type WrittenTitle } from './title-folder.js';

export const POCKET_PUZZLE_ID = 'pocket-puzzle';
export const DEFAULT_LEVEL_BYTES = 40 * 1024;

export interface PocketPuzzleOptions {
  /** Size of each level's part. Default 40 KiB. */
  levelBytes?: number;
  seed?: number;
}

/** Writes `<dir>/pocket-puzzle/` (title.yaml + two level parts, 200 and 150 JPY, standard pricing). */
export async function writePocketPuzzle(dir: string, options: PocketPuzzleOptions = {}): Promise<WrittenTitle> {
  const seed = options.seed ?? 1;
  const levels = [
    { level: 1, pieces: 6, moveLimit: 14, placeChance: 0.6, lastLevel: false },
    { level: 2, pieces: 9, moveLimit: 18, placeChance: 0.55, lastLevel: true },
  ];
  const prices = [200, 150];
  const parts = levels.map((level, i) => {
    const id = `puzzle-l${level.level}`;
    const bytes = encodeCartridge({ kind: 'engine', code: PUZZLE_ENGINE_SOURCE, content: level, sizeBytes: options.levelBytes ?? DEFAULT_LEVEL_BYTES, filler: seededFiller(seed ^ 0x5a5a, i + 1) });
    return { id, file: `${id}.cart`, priceMinor: prices[i]!, bytes };
  });
  return writeTitleFolder(join(dir, POCKET_PUZZLE_ID), {
    id: POCKET_PUZZLE_ID,
    name: 'Pocket Puzzle',
    provider: 'Fairway Demo Works',
    creator: '',
    category: 'game',
    currency: 'JPY',
    requiresBase: false,
    pricing: { rule: 'standard' },
    // A party pack: the host pays for every approved seat when the licence comes (claims 7, 10).
    seats: { price: 80, billing: 'upfront', maxSeats: 4, sessionMs: 20 * 60_000 },
    parts,
  });
}
