import type { MESSAGES, Message } from '../../sdk/wire/index.js';

const TRANSFER = new Uint8Array(16).fill(1);

/** One valid example per message type, minimal where optional fields exist. */
export const EXAMPLES: Record<keyof typeof MESSAGES, Message> = {
  login: { v: 1, t: 'login', rid: 1, user: 'alice', password: 'pw' },
  'login.ok': { v: 1, t: 'login.ok', rid: 1, user: 'alice', balance: 0, currency: 'JPY' },
  'menu.get': { v: 1, t: 'menu.get', rid: 2 },
  menu: { v: 1, t: 'menu', rid: 2, titles: [], more: false },
  'offer.get': { v: 1, t: 'offer.get', rid: 3, part: 'p1' },
  offer: { v: 1, t: 'offer', rid: 3, transfer: TRANSFER, part: 'p1', listPrice: 500, price: 450, currency: 'JPY', holdUntil: 1, manifest: new Uint8Array([0xd2]), windowMax: 64 },
  'offer.cancel': { v: 1, t: 'offer.cancel', rid: 8, transfer: TRANSFER },
  'offer.cancelled': { v: 1, t: 'offer.cancelled', rid: 8, transfer: TRANSFER, balance: 1000 },
  refusal: { v: 1, t: 'refusal', rid: 3, code: 'insufficient-credit', message: 'short', balance: 1, price: 2 },
  error: { v: 1, t: 'error', code: 'bad-request', message: 'x' },
  'card.redeem': { v: 1, t: 'card.redeem', rid: 4, card: 'C1', password: 'x' },
  'card.ok': { v: 1, t: 'card.ok', rid: 4, card: 'C1', value: 1000, balance: 1000 },
  'chunks.get': { v: 1, t: 'chunks.get', rid: 5, transfer: TRANSFER, ranges: [[0, 4]] },
  chunk: { v: 1, t: 'chunk', r: 5, x: TRANSFER, i: 0, d: new Uint8Array(3) },
  receipt: { v: 1, t: 'receipt', rid: 6, receipt: new Uint8Array(10) },
  charge: { v: 1, t: 'charge', rid: 6, transfer: TRANSFER, part: 'p1', price: 450, balance: 550, chargedAt: 1_795_000_000_000 },
  finish: { v: 1, t: 'finish', rid: 7, title: 'golf', part: 'p18', results: { strokes: 70, hole: 3 } },
  advert: { v: 1, t: 'advert', rid: 7 },
  'licence.get': { v: 1, t: 'licence.get', rid: 9, part: 'p1', seats: 4 },
  licence: { v: 1, t: 'licence', rid: 9, licence: new Uint8Array([0xd2]), seatPrice: 100, total: 400, billing: 'per-reception', balance: 600 },
  'licence.receipt': { v: 1, t: 'licence.receipt', rid: 10, receipt: new Uint8Array(10) },
  'licence.charge': { v: 1, t: 'licence.charge', rid: 10, licence: TRANSFER, seats: 4, amount: 400, balance: 600, chargedAt: 1_795_000_000_000 },
  'seat.notices': { v: 1, t: 'seat.notices', rid: 11, notices: [new Uint8Array(10)] },
  'seat.charges': { v: 1, t: 'seat.charges', rid: 11, results: [{ licence: TRANSFER, peer: 'hh-peer', outcome: 'charged', balance: 500 }] },
};

