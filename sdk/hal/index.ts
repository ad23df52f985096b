/** The porter's contract: the four objects a port supplies [FW-11]. */
export type { Storage, StorageUsage, BlobInfo } from './storage.js';
export { BLOB_NAME } from './storage.js';
export type { Link, LinkConnection } from './link.js';
export type { Crypto, Sha256, Signer } from './crypto.js';
export type { Clock, Timer } from './clock.js';
export { TimerQueue, checkDelayMs, type QueuedTimer } from './timer-queue.js';
export { checkBlobName, checkByteCount, checkBytes } from './storage-arguments.js';

import type { Clock } from './clock.js';
import type { Crypto, Signer } from './crypto.js';
import type { Link } from './link.js';
import type { Storage } from './storage.js';

export interface Hal {
  storage: Storage;
  link: Link;
  crypto: Crypto;
  clock: Clock;
  /** The device key; a port backed by a secure element signs there. */
  signer: Signer;
}
