/**
 * The store's tables as Kysely sees them. Both databases return what is written here:
 * integers as JS numbers (bigint columns included; values past 2^53 are refused when read,
 * see safe-integers.ts), times as wall-clock ms, JSON as text.
 *
 * Byte columns come back from the drivers as Node `Buffer`s (a Uint8Array subclass), so the
 * select type here says `Buffer`; code that hands rows on converts with `toBytes` (bytes.ts)
 * so callers only ever see plain Uint8Array.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Read as Buffer, written as any Uint8Array. */
export type Bytes = ColumnType<Buffer, Uint8Array, Uint8Array>;
export type NullableBytes = ColumnType<Buffer | null, Uint8Array | null, Uint8Array | null>;

export interface Schema {
  users: UsersTable;
  accounts: AccountsTable;
  ledger_txns: LedgerTxnsTable;
  postings: PostingsTable;
  devices: DevicesTable;
  cards: CardsTable;
  titles: TitlesTable;
  parts: PartsTable;
  transfers: TransfersTable;
  history: HistoryTable;
  audit: AuditTable;
  licences: LicencesTable;
  seat_charges: SeatChargesTable;
  store_keys: StoreKeysTable;
  part_content: PartContentTable;
  part_content_complete: PartContentCompleteTable;
  store_nodes: StoreNodesTable;
  sweep_ticks: SweepTicksTable;
  login_tickets: LoginTicketsTable;
}

export interface UsersTable {
  id: string;
  password_hash: string;
  name: string;
  address: string;
  age: number | null;
  occupation: string;
  created_at: number;
}

export type AccountKind = 'user' | 'provider' | 'sponsor' | 'cards' | 'adjustments';

/**
 * One row per party that money moves between. `balance_minor` is a cache of the sum of the
 * account's postings, kept in the same transaction as every posting; a CHECK keeps user
 * accounts ≥ 0 even if application code were wrong.
 */
export interface AccountsTable {
  id: string;
  kind: AccountKind;
  owner: string;
  balance_minor: number;
}

export type TxnKind = 'charge' | 'redeem' | 'adjust' | 'seat';

export interface LedgerTxnsTable {
  id: Generated<number>;
  kind: TxnKind;
  /** The idempotency key (`charge:<transfer>`, `redeem:<card>`, `adjust:<request>`); UNIQUE. */
  ref: string;
  /** The charged transfer, for `charge` transactions; lets reports join without parsing `ref`. */
  transfer_id: string | null;
  created_at: number;
  memo: string;
  actor: string;
}

export interface PostingsTable {
  id: Generated<number>;
  txn_id: number;
  account_id: string;
  /** Signed: + credits the account, − debits it. A transaction's postings sum to 0. */
  amount_minor: number;
  /**
   * The account's balance right after this posting. A repeated request (the same receipt, the
   * same card) must answer with the balance it answered the first time [FW-8.2, FW-4.5.1];
   * this is where that number is kept.
   */
  balance_after_minor: number;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  public_key: Bytes;
  enrolled_at: number;
  revoked_at: number | null;
}

export interface CardsTable {
  id: string;
  password_hash: string;
  value_minor: number;
  batch: string;
  issued_at: number;
  redeemed_by: string | null;
  redeemed_at: number | null;
}

export interface TitlesTable {
  id: string;
  name: string;
  provider: string;
  creator: string;
  category: string;
  currency: string;
  /** The title's pricing rule as JSON text (broker/pricing parses it). */
  pricing: string;
  created_at: number;
  /** The seat rule as JSON text ({price, billing, maxSeats, sessionMs}) [FW-13.7]; null: not licensable. */
  seats: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface PartsTable {
  id: string;
  title_id: string;
  seq: number;
  next_id: string | null;
  base_id: string | null;
  size_bytes: number;
  chunk_bytes: number;
  part_hash: Bytes;
  /** The signed manifest (COSE_Sign1 bytes), exactly as offers carry it. */
  manifest: Bytes;
  content_hash: string;
  list_price_minor: number;
  advert_price_minor: number | null;
  sponsor: string | null;
  advert_title_id: string | null;
  use_count: Generated<number>;
}

export type TransferState = 'open' | 'charged' | 'released';

export interface TransfersTable {
  /** Lowercase hex of the 16-byte transfer id [FW-7.1]. */
  id: string;
  device_id: string;
  user_id: string;
  part_id: string;
  price_minor: number;
  list_price_minor: number;
  provider: string;
  sponsor: string | null;
  sponsor_pays_minor: number;
  state: TransferState;
  hold_until: number;
  created_at: number;
  charged_at: number | null;
  released_at: number | null;
  release_reason: string | null;
  receipt: NullableBytes;
}

export type HistoryKind = 'charge' | 'finish';

export interface HistoryTable {
  id: Generated<number>;
  user_id: string;
  title_id: string;
  part_id: string;
  kind: HistoryKind;
  /** `finish` results as JSON text; null for charges. */
  results: string | null;
  at: number;
  /** `finish:<device>:<rid>:<hash of the request>`: the same request writes one row on any node. */
  request_key: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  subject: string;
  /** JSON text. */
  detail: string;
}

export type LicenceState = 'open' | 'charged' | 'settled' | 'released';
export type LicenceBillingMode = 'upfront' | 'per-reception';

/**
 * A seat licence [FW-13.3] and its hold on the host user's credit. `held_minor` is what it
 * still reserves: (seats − charged_seats) × seat price while open, 0 once closed. Upfront
 * licences charge all seats with the host's receipt (until `exp`); per-reception ones one
 * seat per peer notice (until `settle_at` = exp + the relay grace) [FW-13.6].
 */
export interface LicencesTable {
  /** Lowercase hex of the 16-byte licence id. */
  id: string;
  host_device_id: string;
  user_id: string;
  title_id: string;
  part_id: string;
  part_hash: Bytes;
  provider: string;
  seats: number;
  billing: LicenceBillingMode;
  seat_price_minor: number;
  held_minor: number;
  charged_seats: Generated<number>;
  state: LicenceState;
  issued_at: number;
  exp: number;
  settle_at: number;
  /** The store-signed licence (COSE_Sign1), exactly as sent. */
  licence: Bytes;
  /** The host's licence receipt (upfront only), kept as evidence of the charge. */
  receipt: NullableBytes;
  /** Upfront: when charged; per-reception: when the last seat was charged. */
  charged_at: number | null;
  /** When it was settled or released. */
  closed_at: number | null;
}

/** One charged seat of a per-reception licence: UNIQUE (licence_id, peer_device_id). */
export interface SeatChargesTable {
  licence_id: string;
  peer_device_id: string;
  /** The peer's signed reception notice, kept as evidence. */
  notice: Bytes;
  charged_at: number;
  txn_id: number;
  /** `seat.notices:<device>:<rid>:<hash>` of the request that charged it: its resend is told `charged` again. */
  request_key: string | null;
}

export type UserRow = Selectable<UsersTable>;
export type AccountRow = Selectable<AccountsTable>;
export type TransferRow = Selectable<TransfersTable>;
export type CardRow = Selectable<CardsTable>;
export type PartRow = Selectable<PartsTable>;
export type LicenceRow = Selectable<LicencesTable>;
export type NewUser = Insertable<UsersTable>;
export type NewDevice = Insertable<DevicesTable>;
export type NewTitle = Insertable<TitlesTable>;
export type NewPart = Insertable<PartsTable>;

/** The cluster's store key: its public half, recorded by the first node that started [issue 11]. */
export interface StoreKeysTable {
  kid: string;
  public_key: Bytes;
  recorded_at: number;
}

/** Part bytes in segments, for stores whose nodes share no disk. */
export interface PartContentTable {
  content_hash: string;
  offset_bytes: number;
  bytes: Bytes;
}

/** Written after the last segment: a part listed here is whole. */
export interface PartContentCompleteTable {
  content_hash: string;
  size_bytes: number;
  segment_bytes: number;
  stored_at: number;
}

export type StoreNodeState = 'starting' | 'ready' | 'draining' | 'stopped';

/** One row per store node, refreshed by its heartbeat. */
export interface StoreNodesTable {
  node_id: string;
  host: string;
  mqtt_port: number;
  metrics_port: number | null;
  pid: number;
  state: StoreNodeState;
  started_at: number;
  heartbeat_at: number;
  connections: Generated<number>;
  transfers_in_flight: Generated<number>;
  clock_skew_ms: Generated<number>;
}

/** One row per hold-expiry sweep tick: the node that swept it. */
export interface SweepTicksTable {
  tick: number;
  node_id: string;
  at: number;
}

/** One resumption ticket [FW-4.2.4]: its SHA-256 (never the ticket), whose it is, and whether it was used. */
export interface LoginTicketsTable {
  hash: Bytes;
  device_id: string;
  user_id: string;
  issued_at: number;
  expires_at: number;
  /** Set once, by the login that consumed it; a second use is a replay [FW-4.2.5]. */
  used_at: number | null;
}
