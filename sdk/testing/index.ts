/**
 * The HAL conformance kit [FW-11]: vitest suites a port runs against its own Storage, Link,
 * Crypto and Clock. The in-memory reference implementations live in ./mocks/index.js, which
 * does not depend on vitest.
 */
export { describeStorageConformance } from './storage-conformance.js';
export type { StorageFactory, StorageFixture } from './storage-conformance.js';
export { describeLinkConformance } from './link-conformance.js';
export type { LinkFactory, LinkFixture, LinkPeer } from './link-conformance.js';
export { describeCryptoConformance } from './crypto-conformance.js';
export type { CryptoFactory, CryptoFixture } from './crypto-conformance.js';
export { describeClockConformance } from './clock-conformance.js';
export type { ClockFactory, ClockFixture } from './clock-conformance.js';
