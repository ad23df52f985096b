/**
 * What the effect actors share: the HAL, the store session, the storage manager, and the
 * hooks through which the session's radio and chunk events reach the one running download.
 * Built once per terminal by terminal.ts; the machine never sees it.
 */
import type { Hal } from '../../sdk/hal/index.js';
import type { DownMessage, MessageOf } from '../../sdk/wire/index.js';
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
  /** Manifest COSE bytes of offers received, until they are written to the part's slot. */
  manifests: Map<string, Uint8Array>;
  menu: MenuEntry[];
  lastAdvert: AdvertRef | null;
  download: DownloadHooks | null;
  /** Options of the downloader (window sizes, bitmap batching). */
  downloadConfig?: Record<string, number>;
}
