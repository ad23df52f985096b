/**
 * Every message of the protocol [FW-4]: its type string, direction, QoS and schema. The
 * schema's key order is the encoding order, so this file is also what makes encoding
 * deterministic. docs/protocol.md §4 describes the same messages field by field.
 */
import { z } from 'zod';
import { TUNABLES } from '../config.js';
import {
  boundedBytes,
  bytes,
  code,
  currency,
  id,
  money,
  requestId,
  secret,
  sha256,
  shortText,
  transferId,
  u32,
  uint,
  userId,
  wallMs,
  PROTOCOL_VERSION,
} from './fields.js';

function message<T extends string, S extends z.ZodRawShape>(t: T, shape: S) {
  return z.strictObject({ v: z.literal(PROTOCOL_VERSION), t: z.literal(t), ...shape });
}

/** Optional deadline on a request: the store drops it, answering `expired`, after this [FW-3.7]. */
const exp = wallMs.optional();

const COSE_MAX_BYTES = 1024 * 1024;

// ---- login [FW-4.2] -------------------------------------------------------------------------
/** A resumption ticket: 32 random bytes from the store, good for one login [FW-4.2.4]. */
export const loginTicket = bytes(32);
/**
 * `wantTicket`: the terminal keeps resumption tickets, so the store may put one in `login.ok`
 * [FW-4.2.4]. Asked for, not assumed: a terminal built before tickets rejects a `login.ok`
 * carrying fields it does not know [FW-9.3], and never asks.
 */
export const Login = message('login', { rid: requestId, user: userId, password: secret.optional(), ticket: loginTicket.optional(), wantTicket: z.boolean().optional(), exp }).superRefine((m, ctx) => {
  // Exactly one proof: a login with both would leave the store to pick which one counts.
  if (m.password !== undefined && m.ticket !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['ticket'], message: 'give either password or ticket, not both' });
  } else if (m.password === undefined && m.ticket === undefined) {
    ctx.addIssue({ code: 'custom', path: ['password'], message: 'give password or ticket', params: { kind: 'missing-field' } });
  }
});
export const LoginOk = message('login.ok', {
  rid: requestId,
  user: userId,
  balance: money,
  currency,
  /** The ticket for the next connection's login [FW-4.2.5]; sent with ticketExp or not at all. */
  ticket: loginTicket.optional(),
  ticketExp: wallMs.optional(),
}).refine((m) => (m.ticket === undefined) === (m.ticketExp === undefined), { message: 'ticket and ticketExp go together', path: ['ticketExp'] });

// ---- menu [FW-4.3] --------------------------------------------------------------------------
export const MenuGet = message('menu.get', {
  rid: requestId,
  after: id.optional(),
  limit: z.number().int().min(1).max(100).optional(),
  exp,
});
export const TitleCategory = z.enum(['game', 'book', 'demo', 'advert']);
export const MenuEntry = z.strictObject({
  title: id,
  name: shortText,
  provider: shortText,
  category: TitleCategory,
  parts: z.number().int().min(1).max(10_000),
  sizeBytes: uint,
  firstPart: id,
  firstPrice: money,
  advert: z.boolean(),
});
export const Menu = message('menu', { rid: requestId, titles: z.array(MenuEntry).max(100), more: z.boolean() });

// ---- offer [FW-4.4] -------------------------------------------------------------------------
export const OfferGet = message('offer.get', { rid: requestId, part: id, exp });
export const AdvertRef = z.strictObject({ title: id, name: shortText, sponsor: shortText, firstPart: id });
export const Offer = message('offer', {
  rid: requestId,
  transfer: transferId,
  part: id,
  listPrice: money,
  price: money,
  currency,
  holdUntil: wallMs,
  manifest: boundedBytes(COSE_MAX_BYTES),
  /** Most chunks one chunks.get may name for this transfer [FW-7.3]. */
  windowMax: z.number().int().min(1).max(TUNABLES.maxWindowChunks.max),
  advert: AdvertRef.optional(),
}).refine((o) => o.price <= o.listPrice, { message: 'price above listPrice', path: ['price'] });
/** The terminal declines an offer (or abandons a transfer): the store releases the hold [FW-4.4.3]. */
export const OfferCancel = message('offer.cancel', { rid: requestId, transfer: transferId, exp });
export const OfferCancelled = message('offer.cancelled', { rid: requestId, transfer: transferId, balance: money });

// ---- refusal and error [FW-4.10, FW-10] -----------------------------------------------------
export const Refusal = message('refusal', {
  rid: requestId,
  code,
  message: shortText,
  balance: money.optional(),
  price: money.optional(),
  part: id.optional(),
  retryAfterMs: u32.optional(),
});
export const ErrorMessage = message('error', {
  rid: requestId.optional(),
  code,
  message: shortText,
  retryAfterMs: u32.optional(),
});

// ---- prepaid cards [FW-4.5] -----------------------------------------------------------------
export const CardRedeem = message('card.redeem', { rid: requestId, card: id, password: secret, exp });
export const CardOk = message('card.ok', { rid: requestId, card: id, value: money, balance: money });

// ---- streaming [FW-4.6, FW-7] ---------------------------------------------------------------
/** A run of chunks: [first index, count]. */
export const ChunkRange = z.tuple([u32, z.number().int().min(1).max(0xffff_ffff)]);
export const ChunksGet = message('chunks.get', {
  rid: requestId,
  transfer: transferId,
  ranges: z.array(ChunkRange).min(1).max(256).optional(),
  from: u32.optional(),
  bits: boundedBytes(8192).optional(),
  exp,
}).superRefine((m, ctx) => {
  const byRanges = m.ranges !== undefined;
  const byBits = m.bits !== undefined || m.from !== undefined;
  if (byRanges === byBits) {
    ctx.addIssue({ code: 'custom', path: ['ranges'], message: 'give either ranges, or from with bits' });
  } else if (byBits && (m.bits === undefined || m.from === undefined)) {
    ctx.addIssue({ code: 'custom', path: [m.bits === undefined ? 'bits' : 'from'], message: 'from and bits go together' });
  } else if (m.bits !== undefined && !m.bits.some((b) => b !== 0)) {
    ctx.addIssue({ code: 'custom', path: ['bits'], message: 'bits name no chunk' });
  }
});
/** The compact data message: one-letter keys because it is the one sent thousands of times [FW-4.7]. */
export const Chunk = message('chunk', { r: requestId, x: transferId, i: u32, d: boundedBytes(64 * 1024) });

// ---- receipt and charge [FW-4.8] ------------------------------------------------------------
export const ReceiptMessage = message('receipt', { rid: requestId, receipt: boundedBytes(4096) });
export const Charge = message('charge', {
  rid: requestId,
  transfer: transferId,
  part: id,
  price: money,
  balance: money,
  chargedAt: wallMs,
});

// ---- end of a title [FW-4.9] ----------------------------------------------------------------
/** Keys are ASCII here, so length then code-unit order is the RFC 8949 deterministic order. */
function sortedByKey<V>(record: Record<string, V>): Record<string, V> {
  const out: Record<string, V> = {};
  const keys = Object.keys(record).sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) out[k] = record[k] as V;
  return out;
}

const resultValue = z.union([z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1), shortText, z.boolean()]);
export const Finish = message('finish', {
  rid: requestId,
  title: id,
  part: id,
  /** Encoded with keys in RFC 8949 §4.2.1 order (shorter first, then bytewise), so it is deterministic. */
  results: z
    .record(z.string().regex(/^[a-z][a-zA-Z0-9]{0,31}$/, 'a camelCase result name'), resultValue)
    .refine((r) => Object.keys(r).length <= 32, 'at most 32 results')
    .transform(sortedByKey),
  exp,
});
export const AdvertMessage = message('advert', { rid: requestId, advert: AdvertRef.optional() });

// ---- seat licences [FW-13] ------------------------------------------------------------------
export const SEATS_MAX = 64;
export const seatCount = z.number().int().min(1).max(SEATS_MAX);
export const licenceBilling = z.enum(['upfront', 'per-reception']);
export const licenceId = transferId;
const signedBytes = boundedBytes(4096);

export const LicenceGet = message('licence.get', { rid: requestId, part: id, seats: seatCount, exp });
export const LicenceMessage = message('licence', {
  rid: requestId,
  licence: signedBytes,
  seatPrice: money,
  total: money,
  billing: licenceBilling,
  balance: money,
});
export const LicenceReceiptMessage = message('licence.receipt', { rid: requestId, receipt: signedBytes, exp });
export const LicenceCharge = message('licence.charge', {
  rid: requestId,
  licence: licenceId,
  seats: seatCount,
  amount: money,
  balance: money,
  chargedAt: wallMs,
});
export const SeatNotices = message('seat.notices', { rid: requestId, notices: z.array(signedBytes).min(1).max(SEATS_MAX), exp });
export const SEAT_OUTCOMES = ['charged', 'already-charged', 'not-billed', 'seats-exhausted', 'unknown-licence', 'licence-closed', 'notice-refused'] as const;
export const SeatResult = z.strictObject({
  licence: licenceId.nullable(),
  peer: id.nullable(),
  outcome: z.enum(SEAT_OUTCOMES),
  balance: money.optional(),
});
export const SeatCharges = message('seat.charges', { rid: requestId, results: z.array(SeatResult).min(1).max(SEATS_MAX) });

export type Direction = 'up' | 'down';

/** The registry: type string → direction, MQTT QoS and schema [FW-4.0]. */
export const MESSAGES = {
  login: { dir: 'up', qos: 1, schema: Login },
  'login.ok': { dir: 'down', qos: 1, schema: LoginOk },
  'menu.get': { dir: 'up', qos: 1, schema: MenuGet },
  menu: { dir: 'down', qos: 1, schema: Menu },
  'offer.get': { dir: 'up', qos: 1, schema: OfferGet },
  offer: { dir: 'down', qos: 1, schema: Offer },
  'offer.cancel': { dir: 'up', qos: 1, schema: OfferCancel },
  'offer.cancelled': { dir: 'down', qos: 1, schema: OfferCancelled },
  refusal: { dir: 'down', qos: 1, schema: Refusal },
  error: { dir: 'down', qos: 1, schema: ErrorMessage },
  'card.redeem': { dir: 'up', qos: 1, schema: CardRedeem },
  'card.ok': { dir: 'down', qos: 1, schema: CardOk },
  'chunks.get': { dir: 'up', qos: 1, schema: ChunksGet },
  chunk: { dir: 'down', qos: 0, schema: Chunk },
  receipt: { dir: 'up', qos: 1, schema: ReceiptMessage },
  charge: { dir: 'down', qos: 1, schema: Charge },
  finish: { dir: 'up', qos: 1, schema: Finish },
  advert: { dir: 'down', qos: 1, schema: AdvertMessage },
  'licence.get': { dir: 'up', qos: 1, schema: LicenceGet },
  licence: { dir: 'down', qos: 1, schema: LicenceMessage },
  'licence.receipt': { dir: 'up', qos: 1, schema: LicenceReceiptMessage },
  'licence.charge': { dir: 'down', qos: 1, schema: LicenceCharge },
  'seat.notices': { dir: 'up', qos: 1, schema: SeatNotices },
  'seat.charges': { dir: 'down', qos: 1, schema: SeatCharges },
} as const satisfies Record<string, { dir: Direction; qos: 0 | 1; schema: z.ZodType }>;

export type MessageType = keyof typeof MESSAGES;
export type MessageOf<T extends MessageType> = z.infer<(typeof MESSAGES)[T]['schema']>;
export type Message = { [T in MessageType]: MessageOf<T> }[MessageType];
export type UpMessage = Extract<Message, { t: UpType }>;
export type DownMessage = Extract<Message, { t: DownType }>;
export type UpType = { [T in MessageType]: (typeof MESSAGES)[T]['dir'] extends 'up' ? T : never }[MessageType];
export type DownType = Exclude<MessageType, UpType>;

export function isMessageType(t: string): t is MessageType {
  return Object.prototype.hasOwnProperty.call(MESSAGES, t);
}
