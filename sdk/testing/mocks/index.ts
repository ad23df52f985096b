/**
 * Portable, in-memory reference implementations of the HAL [FW-11], each passing its own
 * conformance suite. Free of vitest and of node:*, so the simulator and ports can use them.
 */
export { MemoryStorage } from './memory-storage.js';
export { ManualClock } from './manual-clock.js';
export type { ManualClockOptions } from './manual-clock.js';
export { ScriptedLink } from './scripted-link.js';
export type { ConnectFailure, ScriptedLinkOptions } from './scripted-link.js';
export { ScriptedConnection } from './scripted-connection.js';
export { SoftwareCrypto, SoftwareSigner } from './software-crypto.js';
export type { SoftwareCryptoOptions } from './software-crypto.js';
export { Xoshiro128StarStar, seededRandomSource } from './seeded-random.js';
export { webCryptoRandomSource } from './random-source.js';
export type { RandomSource } from './random-source.js';
