/** Demo titles for the simulator and the CLI demo, written as importable title folders. */
import type { WrittenTitle } from './title-folder.js';
import { writePocketPuzzle } from './pocket-puzzle.js';
import { writeSuperGolf, type SuperGolfOptions } from './super-golf.js';

export { writeSuperGolf, generateCourse, golfPartId, defaultGolfPrice, SUPER_GOLF_ID, SUPER_GOLF_PRICING, DEFAULT_ENGINE_BYTES, DEFAULT_HOLE_BYTES, HOLES_MAX, type SuperGolfOptions, type GolfHole } from './super-golf.js';
export { writePocketPuzzle, POCKET_PUZZLE_ID, DEFAULT_LEVEL_BYTES, type PocketPuzzleOptions } from './pocket-puzzle.js';
export { writeTitleFolder, type TitleSpec, type WrittenTitle, type WrittenPart } from './title-folder.js';
export { GOLF_ENGINE_SOURCE } from './golf-engine.js';
export { PUZZLE_ENGINE_SOURCE } from './puzzle-engine.js';

/** Both demo titles under `dir`, from one seed. */
export async function writeDemoCatalog(dir: string, options: SuperGolfOptions = {}): Promise<WrittenTitle[]> {
  return [await writeSuperGolf(dir, options), await writePocketPuzzle(dir, options.seed === undefined ? {} : { seed: options.seed })];
}
