/**
 * The demo world's catalog, as importable title folders (issue 5, acceptance 5; seed 004's
 * four kinds of application): an 18-hole golf game whose first part carries the engine, a
 * novel in chapters whose first chapter carries the reader (its first chapters sponsored), a
 * free demo program, adverts whose provider is their sponsor, and a small puzzle. One seed
 * writes byte-identical folders.
 */
import { writeAdverts, type AdvertOptions } from './adverts.js';
import { writeKartDemo, type KartDemoOptions } from './kart-demo.js';
import { writeNovel, type NovelOptions } from './novel.js';
import { writePocketPuzzle, type PocketPuzzleOptions } from './pocket-puzzle.js';
import { writeSuperGolf, type SuperGolfOptions } from './super-golf.js';
import type { WrittenTitle } from './title-folder.js';

/** Compact part sizes: programs and content fit, with a little padding at most. */
const COMPACT_GOLF = { engineBytes: 8 * 1024, holeBytes: 1024 } as const;
const COMPACT_LEVEL_BYTES = 2 * 1024;

export interface DemoCatalogOptions {
  /** Everything generated (course, book text, track, padding) comes from it. Default 1. */
  seed?: number;
  /**
   * Small parts (a few KiB: no padding standing in for graphics), for tests and quick runs.
   * Part counts, prices and play are the same as the full catalog's.
   */
  compact?: boolean;
  golf?: Omit<SuperGolfOptions, 'seed'>;
  novel?: Omit<NovelOptions, 'seed' | 'compact'>;
  demo?: Omit<KartDemoOptions, 'seed' | 'compact'>;
  adverts?: Omit<AdvertOptions, 'seed' | 'compact'>;
  puzzle?: Omit<PocketPuzzleOptions, 'seed'>;
}

/** Every demo title under `dir`, one folder each, in this order: golf, novel, demo, adverts, puzzle. */
export async function writeDemoCatalog(dir: string, options: DemoCatalogOptions = {}): Promise<WrittenTitle[]> {
  const seed = options.seed ?? 1;
  const compact = options.compact ?? false;
  return [
    await writeSuperGolf(dir, { ...(compact ? COMPACT_GOLF : {}), ...options.golf, seed }),
    await writeNovel(dir, { ...options.novel, compact, seed }),
    await writeKartDemo(dir, { ...options.demo, compact, seed }),
    ...(await writeAdverts(dir, { ...options.adverts, compact, seed })),
    await writePocketPuzzle(dir, { ...(compact ? { levelBytes: COMPACT_LEVEL_BYTES } : {}), ...options.puzzle, seed }),
  ];
}
