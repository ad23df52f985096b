/** Demo titles for the simulator and `npm start`, written as importable title folders. */
export { writeDemoCatalog, type DemoCatalogOptions } from './demo-catalog.js';
export { writeSuperGolf, generateCourse, golfPartId, defaultGolfPrice, seededFiller, SUPER_GOLF_ID, SUPER_GOLF_PRICING, DEFAULT_ENGINE_BYTES, DEFAULT_HOLE_BYTES, HOLES_MAX, type SuperGolfOptions, type GolfHole } from './super-golf.js';
export { writeNovel, generateNovel, novelPartId, NOVEL_ID, NOVEL_NAME, NOVEL_PRICING, SPONSOR_PAYS_MINOR, CHAPTER_PRICE, DEFAULT_READER_BYTES, DEFAULT_CHAPTER_BYTES, type NovelOptions, type NovelChapter } from './novel.js';
export { writeChapterText, LIGHTHOUSE_CHAPTERS, CHAPTERS_MAX, type NovelChapterText } from './novel-text.js';
export { writeKartDemo, generateTrack, KART_DEMO_ID, KART_DEMO_PART_ID, DEFAULT_DEMO_BYTES, type KartDemoOptions, type KartTrack } from './kart-demo.js';
export { writeAdverts, DEMO_ADVERTS, HARBOUR_TEA_ADVERT_ID, HARBOUR_TEA_SPONSOR, DEFAULT_ADVERT_BYTES, type AdvertOptions, type AdvertCopy, type DemoAdvert } from './adverts.js';
export { writePocketPuzzle, POCKET_PUZZLE_ID, DEFAULT_LEVEL_BYTES, type PocketPuzzleOptions } from './pocket-puzzle.js';
export { writeTitleFolder, type TitleSpec, type WrittenTitle, type WrittenPart } from './title-folder.js';
export { GOLF_ENGINE_SOURCE } from './golf-engine.js';
export { PUZZLE_ENGINE_SOURCE } from './puzzle-engine.js';
export { READER_ENGINE_SOURCE } from './reader-engine.js';
export { KART_ENGINE_SOURCE } from './kart-engine.js';
export { ADVERT_ENGINE_SOURCE } from './advert-engine.js';
