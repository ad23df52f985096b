/**
 * The "Super Golf" demo title of seed 004 (Figs. 4 and 16): hole 1 carries the game's engine
 * and its own hole; holes 2…N carry only their hole and name hole 1 as their base. Everything
 * — the course, the padding that stands in for graphics — comes from one seed, so the same
 * options write byte-identical parts.
 */
import { join } from 'node:path';
import type { PricingRuleInput } from '../../broker/pricing/index.js';
import { encodeCartridge } from '../../device/ports/node/cartridge/format.js';
import { FairwayError } from '../../sdk/errors.js';
import { Xoshiro128StarStar } from '../../sdk/testing/mocks/seeded-random.js';
import { GOLF_ENGINE_SOURCE } from './golf-engine.js';
import { writeTitleFolder, type WrittenTitle } from './title-folder.js';

export const SUPER_GOLF_ID = 'super-golf';
export const HOLES_MAX = 99;
/** Hole 1 carries the engine, so it is the big part (seed 004: the basic program + hole 1). */
export const DEFAULT_ENGINE_BYTES = 300 * 1024;
export const DEFAULT_HOLE_BYTES = 90 * 1024;

/** Seed 004's discount by the previous part's use count (Fig. 18). */
export const SUPER_GOLF_PRICING: PricingRuleInput = {
  rule: 'by-previous-uses',
  tiers: [
    { minUses: 0, percent: 0 },
    { minUses: 10_000, percent: 10 },
    { minUses: 100_000, percent: 30 },
  ],
};

export interface SuperGolfOptions {
  /** Number of holes (parts), 1–99. Default 18. */
  holes?: number;
  /** Size of hole 1's part (engine + hole 1 + padding). Default 300 KiB. */
  engineBytes?: number;
  /** Size of every later hole's part. Default 90 KiB. */
  holeBytes?: number;
  seed?: number;
  /** The title's pricing rule. Default: by previous part's uses, tiers 0 / 10 / 30 %. */
  pricing?: PricingRuleInput;
  /** List price of hole i (1-based), JPY. Default 500, 450, 400, 350, then 300 for the rest. */
  priceOf?: (hole: number) => number;
}

export interface GolfHole {
  course: string;
  number: number;
  par: 3 | 4 | 5;
  lengthYards: number;
  fairwayWidthYards: number;
  greenSpeed: number;
  hazards: { kind: 'bunker' | 'water' | 'trees'; atYards: number; risk: number }[];
  lastHole: boolean;
}

export function defaultGolfPrice(hole: number): number {
  return Math.max(300, 550 - 50 * hole);
}

export function golfPartId(hole: number): string {
  return `golf-h${String(hole).padStart(2, '0')}`;
}

/** Writes `<dir>/super-golf/` (title.yaml + one file per hole). */
export async function writeSuperGolf(dir: string, options: SuperGolfOptions = {}): Promise<WrittenTitle> {
  const holes = options.holes ?? 18;
  if (!Number.isSafeInteger(holes) || holes < 1 || holes > HOLES_MAX) throw new FairwayError('out-of-range', `holes ${holes}; 1–${HOLES_MAX}`, 'holes');
  const seed = options.seed ?? 1;
  const course = generateCourse(holes, seed);
  const priceOf = options.priceOf ?? defaultGolfPrice;
  const parts = course.map((hole, i) => {
    const filler = seededFiller(seed, i + 1);
    const bytes =
      i === 0
        ? encodeCartridge({ kind: 'engine', code: GOLF_ENGINE_SOURCE, content: hole, sizeBytes: options.engineBytes ?? DEFAULT_ENGINE_BYTES, filler })
        : encodeCartridge({ kind: 'content', content: hole, sizeBytes: options.holeBytes ?? DEFAULT_HOLE_BYTES, filler });
    const id = golfPartId(hole.number);
    return { id, file: `${id}.cart`, priceMinor: priceOf(hole.number), bytes };
  });
  return writeTitleFolder(join(dir, SUPER_GOLF_ID), {
    id: SUPER_GOLF_ID,
    name: 'Super Golf',
    provider: 'Sharp',
    creator: 'John Smith',
    category: 'game',
    currency: 'JPY',
    requiresBase: true,
    pricing: options.pricing ?? SUPER_GOLF_PRICING,
    // Friends join a round: each hole a friend receives costs the host 120 (seed 000 claim 8).
    seats: { price: 120, billing: 'per-reception', maxSeats: 8, sessionMs: 30 * 60_000 },
    parts,
  });
}

/** A course of `holes` holes, the same for the same seed. */
export function generateCourse(holes: number, seed: number): GolfHole[] {
  const random = new Xoshiro128StarStar(seed);
  const uniform = () => random.nextUint32() / 2 ** 32;
  const between = (low: number, high: number) => low + Math.floor(uniform() * (high - low + 1));
  const course: GolfHole[] = [];
  for (let number = 1; number <= holes; number++) {
    const roll = uniform();
    const par: 3 | 4 | 5 = roll < 0.22 ? 3 : roll < 0.78 ? 4 : 5;
    const lengthYards = par === 3 ? between(120, 220) : par === 4 ? between(320, 460) : between(480, 580);
    const hazards: GolfHole['hazards'] = [];
    const count = between(0, par);
    for (let h = 0; h < count; h++) {
      const kinds = ['bunker', 'bunker', 'water', 'trees'] as const;
      hazards.push({ kind: kinds[between(0, 3)]!, atYards: between(Math.floor(lengthYards * 0.3), lengthYards - 5), risk: between(10, 45) / 100 });
    }
    hazards.sort((a, b) => a.atYards - b.atYards);
    course.push({ course: 'Fairway Hills', number, par, lengthYards, fairwayWidthYards: between(25, 55), greenSpeed: between(1, 3), hazards, lastHole: number === holes });
  }
  return course;
}

/** Padding that stands in for a part's graphics and sound: seeded, so incompressible but reproducible. */
export function seededFiller(seed: number, partNumber: number): (lengthBytes: number) => Uint8Array {
  return (lengthBytes) => new Xoshiro128StarStar((Math.imul(seed, 0x9e3779b1) + partNumber) >>> 0).fill(new Uint8Array(lengthBytes));
}
