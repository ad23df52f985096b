/**
 * What the effect actors share: the HAL, the store session, the storage manager, and the
 * hooks through which the session's radio and chunk events reach the one running download.
 * Built once per terminal by terminal.ts; the machine never sees it.
 */
import type { Hal } from '../../sdk/hal/index.js';
import type { Manifest } from '../../sdk/manifest/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
import type { DownloadConfig } from '../download/download-config.js';
import type { Executor } from '../executor/executor.js';
import type { AdvertRef } from '../machine/wire-types.js';
import type { Chunk, StoreSession } from '../session/store-session.js';
import type { StorageManager } from '../storage/storage-manager.js';
import type { TerminalEmitter } from '../terminal-events.js';

export type MenuEntry = MessageOf<'menu'>['titles'][number];

/** The running download listens here; terminal.ts forwards the session's events to it. */
export interface DownloadHooks {
  chunk(chunk: Chunk): Promise<void>;
  chunkReply(reply: DownMessage): void;
  online(): void;
  offline(): void;
}

export interface TerminalRuntime {
  hal: Hal;
  deviceId: string;
  user: string;
  storePublicKey: Uint8Array;
  session: StoreSession;
  storage: StorageManager;
  executor: Executor;
  emitter: TerminalEmitter;
  /** Verified manifests of offers received (COSE bytes and payload), until written to the part's slot. */
  manifests: Map<string, { bytes: Uint8Array; manifest: Manifest }>;
  menu: MenuEntry[];
  lastAdvert: AdvertRef | null;
  download: DownloadHooks | null;
  /** Options of the downloader (window sizes, bitmap batching). */
  downloadConfig?: Partial<DownloadConfig>;
}
