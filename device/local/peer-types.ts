/**
 * What a peer session [FW-14] takes and tells: its options, its events, what it hands back
 * once the part is here, and the ways it ends.
 */
import type { FairwayError } from '../../sdk/errors.js';
import type { Clock } from '../../sdk/hal/clock.js';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import type { Link } from '../../sdk/hal/link.js';
import type { Storage } from '../../sdk/hal/storage.js';
import type { Licence } from '../../sdk/licence/index.js';
import type { Manifest } from '../../sdk/manifest/manifest.js';
import type { DownloadConfig } from '../download/download-config.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { ReadEnd } from './framed-connection.js';

export type PeerEndReason = 'host-ended' | 'licence-expired' | 'left' | 'failed';
export type PeerState = 'idle' | 'joining' | 'streaming' | 'noticing' | 'received' | 'over';

export interface PeerReception {
  licence: Licence;
  manifest: Manifest;
  seat: number;
  /** The signed notice [FW-13.5], exact bytes: the terminal may also send it to the store. */
  notice: Uint8Array;
}

export interface PeerEvents {
  joined(info: { seat: number; rejoin: boolean }): void;
  dropped(info: { reason: ReadEnd['kind'] }): void;
  received(info: { part: string }): void;
  ended(info: { reason: PeerEndReason; error?: FairwayError }): void;
}

export interface PeerSessionOptions {
  /** This terminal's device id: the `peer` of `join` and the kid of its notice. */
  peerId: string;
  /** The local link to the host. */
  link: Link;
  storePublicKey: Uint8Array;
  crypto: Crypto;
  /** This device's key, for the notice. */
  signer: Signer;
  clock: Clock;
  /** For the durable note of the hosted part. */
  storage: Storage;
  /** Reserves the hosted part like any part; released when it is deleted. */
  parts: StorageManager;
  downloadConfig?: Partial<DownloadConfig>;
  /** `join` and `notice` are resent after this long without an answer; default 2 000 ms. */
  requestTimeoutMs?: number;
  /** First wait before reconnecting after a drop, doubled up to maxReconnectDelayMs; default 250 ms. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  maxFrameBytes?: number;
  events?: Partial<PeerEvents>;
}
