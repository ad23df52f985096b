export { chunkCount, chunkSpan, type ChunkSpan } from './maths.js';
export { ChunkBitmap } from './bitmap.js';
export { toRuns, expandRuns, expandBits, toBits, type Run } from './ranges.js';
