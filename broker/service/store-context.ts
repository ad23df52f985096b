/**
 * Everything a message handler may use, built once by the store service. Handlers get this,
 * the device's session and the decoded message, and return the reply; they never publish
 * themselves except through `send` (the one outbound choke point) for streamed chunks.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import type { DownMessage, MessageOf, UpType } from '../../sdk/wire/index.js';
import type { ContentStore } from '../catalog/content-store.js';
import type { Schema } from '../db/schema.js';
import type { LedgerContext } from '../ledger/context.js';
import type { GuessLimiter } from '../cluster/shared-state.js';
import type { CaptureBatcher } from './capture-batcher.js';
import type { ChunkPump } from './chunk-pump.js';
import type { CatalogPart, CatalogTitle } from '../catalog/catalog-reader.js';
import type { LookupCache } from './lookup-cache.js';
import type { EncodedReply } from './encoded-reply.js';

export interface StoreConfig {
  /** How long an offer's hold lasts [FW-4.4]. */
  holdMs: number;
  /** Most chunks one window request may name [FW-7.3]. */
  windowMax: number;
  /** The store's currency (ISO 4217) for login.ok. */
  currency: string;
  /** Largest body accepted [FW-3.3]. */
  maxMessageBytes: number;
  /**
   * How long after a per-reception licence's `exp` relayed seat notices still charge, so a
   * host that comes back online the next day can relay them [FW-13.6].
   */
  seatNoticeGraceMs: number;
}

export const DEFAULT_STORE_CONFIG: StoreConfig = {
  holdMs: 10 * 60_000,
  windowMax: 256,
  currency: 'JPY',
  maxMessageBytes: 1024 * 1024,
  seatNoticeGraceMs: 24 * 60 * 60_000,
};

export interface Session {
  /** Set by a successful login on this connection [FW-4.2]. */
  userId?: string;
}

export interface StoreContext {
  db: Kysely<Schema>;
  ledger: LedgerContext;
  content: ContentStore;
  crypto: Crypto;
  config: StoreConfig;
  /** The store key that signs seat licences [FW-13.3]; without it licence.get cannot answer. */
  storeKey?: { signer: Signer; kid: Uint8Array };
  pump: ChunkPump;
  /** Parts and titles do not change once imported; cached so windows and receipts skip the join. */
  parts: LookupCache<{ part: CatalogPart; title: CatalogTitle }>;
  /**
   * Active terminal keys, cached for a few seconds: a revocation reaches receipts within
   * that time (connections were authenticated at CONNECT anyway) [FW-2.3].
   */
  terminalKeys: LookupCache<Uint8Array>;
  /** Captures go through here: grouped into shared commits [issue 3 §14]. */
  captures: CaptureBatcher;
  /** Guess limits, counted cluster-wide in a cluster [issue 11 §3]. */
  loginLimiter: GuessLimiter;
  cardLimiter: GuessLimiter;
  log: Logger;
  /** The one way out: a message (encoded and validated here) or a reply already encoded by the service. */
  send(deviceId: string, message: DownMessage | EncodedReply): Promise<void>;
  /** Counts for /metrics; handlers report what happened, the service decides where it goes. */
  count(event: StoreEvent, labels?: Record<string, string>, amount?: number): void;
}

export type StoreEvent = 'charge' | 'refusal' | 'error' | 'offer' | 'bytes-streamed' | 'redeem' | 'licence' | 'seat-charge';

export interface Request<T extends UpType> {
  ctx: StoreContext;
  deviceId: string;
  session: Session;
  message: MessageOf<T>;
  nowMs: number;
  /**
   * The request as received: a resend carries the same bytes under the same rid, so handlers
   * whose effect must happen once on any node derive their request key from them.
   */
  bytes: Uint8Array;
}

export type Handler<T extends UpType> = (request: Request<T>) => Promise<DownMessage | undefined>;

export function refusal(rid: number, code: MessageOf<'refusal'>['code'], message: string, extra: Partial<MessageOf<'refusal'>> = {}): MessageOf<'refusal'> {
  return { v: 1, t: 'refusal', rid, code, message, ...extra };
}
