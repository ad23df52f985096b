/**
 * The published wire vectors [FW-12]: one or more per message kind, edge cases, and the three
 * signed artefacts. `fairway vectors write` renders this list into sdk/vectors/*.json; a test
 * checks every file both ways against the codec. Keys are the RFC 8032 test keys 2 (device)
 * and 3 (store), so anyone can reproduce the signatures.
 */
import type { CborValue } from '../cbor/index.js';
import type { Artefact } from '../cose/artefact.js';
import type { Crypto, Signer } from '../hal/crypto.js';
import { manifestArtefact, PartHasher, type Manifest } from '../manifest/manifest.js';
import { credentialArtefact } from '../receipt/credential.js';
import { receiptArtefact } from '../receipt/receipt.js';
import { licenceArtefact } from '../licence/licence.js';
import { licenceReceiptArtefact } from '../licence/licence-receipt.js';
import { seatNoticeArtefact } from '../licence/seat-notice.js';
import { encodeLocalMessage, type LocalMessage } from '../local/messages.js';
import { encodeMessage } from '../wire/codec.js';
import type { Message } from '../wire/messages.js';
import { fromHex, toHex, toJsonValue, type JsonValue } from './json.js';

export interface WireVector {
  name: string;
  description: string;
  value: JsonValue;
  cbor_hex: string;
  public_key_hex?: string;
  cose_hex?: string;
}

export const DEVICE_SEED_HEX = '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb';
export const STORE_SEED_HEX = 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7';
/** RFC 8032 TEST 1: the peer device `hh-0002` of the host-mode vectors [FW-13]. */
export const PEER_SEED_HEX = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60';

const T0 = 1_795_000_000_000; // 2026-11-18T…Z; any fixed wall time works.
const TRANSFER = fromHex('5f1c0e6a9b2d4c8e8f00112233445566');
const NONCE = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
/** Resumption tickets [FW-4.2.4]: fixed bytes here, 32 random ones from a real store. */
const TICKET = fromHex('7e1c4e7a00112233445566778899aabbccddeeff0123456789abcdef7e1c4e7a');
const NEXT_TICKET = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf');
const utf8 = (s: string) => new TextEncoder().encode(s);

function messageVector(name: string, description: string, message: Message): WireVector {
  const bytes = encodeMessage(message as never);
  return { name, description, value: toJsonValue(message as CborValue), cbor_hex: toHex(bytes) };
}

/** A local-session body [FW-14]: named `local-<type>…`, encoded by the local registry. */
function localVector(name: string, description: string, message: LocalMessage): WireVector {
  const bytes = encodeLocalMessage(message as never);
  return { name, description, value: toJsonValue(message as CborValue), cbor_hex: toHex(bytes) };
}

const LICENCE = fromHex('1c0ffee0a5a5a5a5000102030405060f');
const NONCE_2 = fromHex('b0b1b2b3b4b5b6b7b8b9babbbcbdbebf');

async function signedVector<T>(
  name: string,
  description: string,
  artefact: Artefact<never>,
  payload: T,
  signer: Signer,
  kid: Uint8Array,
): Promise<WireVector> {
  const bytes = artefact.encodePayload(payload as never);
  const cose = await artefact.sign(payload as never, signer, kid);
  return {
    name,
    description,
    value: toJsonValue(payload as CborValue),
    cbor_hex: toHex(bytes),
    public_key_hex: toHex(signer.publicKey),
    cose_hex: toHex(cose),
  };
}

/**
 * The part the vectors describe: 40,000 bytes, byte i = (i² + 7i) mod 251, cut into three
 * 16 KiB chunks. 251 is prime and does not divide 16,384, so no two chunks are alike and a
 * port that hashes the wrong chunk fails the vectors.
 */
export function vectorPartBytes(): Uint8Array {
  const part = new Uint8Array(40_000);
  for (let i = 0; i < part.length; i++) part[i] = (i * i + 7 * i) % 251;
  return part;
}

export async function buildVectors(device: Signer, store: Signer, peer: Signer, crypto: Crypto): Promise<WireVector[]> {
  const hasher = new PartHasher(crypto, 16_384);
  hasher.update(vectorPartBytes());
  const described = hasher.finish();
  const manifest: Manifest = { v: 1, part: 'golf-h01', title: 'super-golf', seq: 1, next: 'golf-h02', base: null, ...described };
  const lastManifest: Manifest = { ...manifest, part: 'golf-h18', seq: 18, next: null, base: 'golf-h01' };
  const storeKid = utf8('store-2026');
  const manifestCose = await manifestArtefact.sign(manifest, store, storeKid);
  const advert = { title: 'kart-demo', name: 'Kart Rally demo', sponsor: 'Kart Co', firstPart: 'kart-d01' };

  const v: WireVector[] = [
    messageVector('login', 'Log in: binds this connection to a user [FW-4.2].', { v: 1, t: 'login', rid: 1, user: 'alice', password: 'correct horse' }),
    messageVector('login-with-expiry', 'A request with its optional deadline [FW-3.7].', { v: 1, t: 'login', rid: 4_294_967_295, user: 'alice@example.org', password: 'p', exp: T0 + 30_000 }),
    messageVector('login.ok', 'Login accepted, with the balance in minor units.', { v: 1, t: 'login.ok', rid: 1, user: 'alice', balance: 1500, currency: 'JPY' }),
    messageVector('login-want-ticket', 'Log in with the password, asking for a resumption ticket in login.ok [FW-4.2.4].', { v: 1, t: 'login', rid: 11, user: 'alice', password: 'correct horse', wantTicket: true }),
    messageVector('login-ticket', 'Log in with a resumption ticket instead of the password [FW-4.2.5].', { v: 1, t: 'login', rid: 12, user: 'alice', ticket: TICKET }),
    messageVector('login.ok-ticket', 'Login accepted, with a fresh ticket for the next connection and when it expires [FW-4.2.4].', {
      v: 1, t: 'login.ok', rid: 12, user: 'alice', balance: 1500, currency: 'JPY', ticket: NEXT_TICKET, ticketExp: T0 + 30 * 24 * 3_600_000,
    }),
    messageVector('menu.get', 'The first page of the menu, empty optionals [FW-4.3].', { v: 1, t: 'menu.get', rid: 2 }),
    messageVector('menu.get-paged', 'A later page of the menu.', { v: 1, t: 'menu.get', rid: 3, after: 'super-golf', limit: 20 }),
    messageVector('menu', 'A menu page with a game and a sponsored book.', {
      v: 1,
      t: 'menu',
      rid: 2,
      titles: [
        { title: 'super-golf', name: 'Super Golf', provider: 'Sharp', category: 'game', parts: 18, sizeBytes: 9_437_184, firstPart: 'golf-h01', firstPrice: 500, advert: false },
        { title: 'night-train', name: 'The Night Train', provider: 'Paper Co', category: 'book', parts: 12, sizeBytes: 480_000, firstPart: 'train-c01', firstPrice: 300, advert: true },
      ],
      more: true,
    }),
    messageVector('menu-empty', 'The last, empty page of a menu.', { v: 1, t: 'menu', rid: 3, titles: [], more: false }),
    messageVector('offer.get', 'Ask for an offer on a part [FW-4.4].', { v: 1, t: 'offer.get', rid: 5, part: 'golf-h01' }),
    messageVector('offer', 'An offer with the signed manifest and a hold; no advert.', {
      v: 1, t: 'offer', rid: 5, transfer: TRANSFER, part: 'golf-h01', listPrice: 500, price: 500, currency: 'JPY', holdUntil: T0 + 600_000, manifest: manifestCose, windowMax: 256,
    }),
    messageVector('offer-sponsored', 'A sponsored offer: the user pays 300 of 500, the advert names the sponsor [FW-4.4.2].', {
      v: 1, t: 'offer', rid: 6, transfer: TRANSFER, part: 'golf-h01', listPrice: 500, price: 300, currency: 'JPY', holdUntil: T0 + 600_000, manifest: manifestCose, windowMax: 256, advert,
    }),
    messageVector('offer.cancel', 'Decline an offer; the store releases its hold [FW-4.4.3].', { v: 1, t: 'offer.cancel', rid: 12, transfer: TRANSFER }),
    messageVector('offer.cancelled', 'The hold is released; the balance is unchanged.', { v: 1, t: 'offer.cancelled', rid: 12, transfer: TRANSFER, balance: 1500 }),
    messageVector('refusal-insufficient-credit', 'Not enough credit: balance and price let the UI say how much is missing [FW-4.10].', {
      v: 1, t: 'refusal', rid: 5, code: 'insufficient-credit', message: 'balance 200 is below the price 500', balance: 200, price: 500, part: 'golf-h01',
    }),
    messageVector('refusal-minimal', 'A refusal with every optional field left out.', { v: 1, t: 'refusal', rid: 1, code: 'login-refused', message: '' }),
    messageVector('error', 'A protocol error answering a request [FW-10].', { v: 1, t: 'error', rid: 9, code: 'rate-limited', message: 'too many attempts', retryAfterMs: 30_000 }),
    messageVector('error-no-rid', 'An error for a body too broken to carry a request id.', { v: 1, t: 'error', code: 'bad-request', message: 'not CBOR' }),
    messageVector('card.redeem', 'Redeem a prepaid card [FW-4.5].', { v: 1, t: 'card.redeem', rid: 7, card: 'PC-0001-7731', password: '4471-2290' }),
    messageVector('card.ok', 'Card value added; the new balance.', { v: 1, t: 'card.ok', rid: 7, card: 'PC-0001-7731', value: 1000, balance: 1200 }),
    messageVector('chunks.get-ranges', 'Ask for chunks 0–1 by run [FW-7.2].', { v: 1, t: 'chunks.get', rid: 8, transfer: TRANSFER, ranges: [[0, 2]] }),
    messageVector('chunks.get-bits', 'Ask for chunks 0 and 2 by bitmap slice (bits 10100000).', { v: 1, t: 'chunks.get', rid: 9, transfer: TRANSFER, from: 0, bits: fromHex('a0') }),
    messageVector('chunk', 'The compact data message: chunk 2 of the transfer [FW-4.7].', { v: 1, t: 'chunk', r: 9, x: TRANSFER, i: 2, d: fromHex('00010203') }),
    messageVector('chunk-max', 'The largest chunk: 65,536 bytes of 0x5a.', { v: 1, t: 'chunk', r: 4_294_967_295, x: TRANSFER, i: 1_048_575, d: new Uint8Array(65_536).fill(0x5a) }),
    messageVector('charge', 'The charge confirmation after a receipt [FW-4.8].', { v: 1, t: 'charge', rid: 10, transfer: TRANSFER, part: 'golf-h01', price: 500, balance: 700, chargedAt: T0 + 42_000 }),
    messageVector('finish', 'Results after the last part [FW-4.9].', { v: 1, t: 'finish', rid: 11, title: 'super-golf', part: 'golf-h18', results: { course: 'Pebble', strokes: 72, underPar: false } }),
    messageVector('advert', 'The advert chosen from the user’s history.', { v: 1, t: 'advert', rid: 11, advert }),
    messageVector('advert-none', 'No advert to show.', { v: 1, t: 'advert', rid: 11 }),
  ];

  const receipt = { v: 1 as const, device: 'hh-0001', user: 'alice', part: 'golf-h01', partHash: described.hash, transfer: TRANSFER, price: 500, nonce: NONCE, time: T0 + 41_000 };
  v.push(
    messageVector('receipt', 'The receipt message carrying the signed receipt below.', {
      v: 1, t: 'receipt', rid: 10, receipt: await receiptArtefact.sign(receipt, device, utf8('hh-0001')),
    }),
    await signedVector('signed-manifest', 'A first-part manifest signed by the store key; external AAD "fairway/manifest/1" [FW-6].', manifestArtefact as never, manifest, store, storeKid),
    await signedVector('signed-manifest-last', 'The last part (next = null) that needs the base part [FW-6.4].', manifestArtefact as never, lastManifest, store, storeKid),
    await signedVector('signed-receipt', 'A receipt signed by the device key; external AAD "fairway/receipt/1" [FW-8].', receiptArtefact as never, receipt, device, utf8('hh-0001')),
    await signedVector('signed-credential', 'A CONNECT credential (the MQTT password); external AAD "fairway/connect/1" [FW-2.3].', credentialArtefact as never, { v: 1, device: 'hh-0001', time: T0, nonce: NONCE }, device, utf8('hh-0001')),
  );

  // Host mode [FW-13, FW-14]: hh-0001 hosts golf-h01 for 4 seats; hh-0002 is a peer.
  const licence = {
    v: 1 as const, licence: LICENCE, host: 'hh-0001', user: 'alice', title: 'super-golf', part: 'golf-h01', partHash: described.hash,
    seats: 4, billing: 'per-reception' as const, seatPrice: 120, issuedAt: T0 + 50_000, exp: T0 + 50_000 + 7_200_000,
  };
  const upfrontLicence = { ...licence, billing: 'upfront' as const };
  const licenceCose = await licenceArtefact.sign(licence, store, storeKid);
  const licenceReceipt = { v: 1 as const, licence: LICENCE, device: 'hh-0001', user: 'alice', seats: 4, amount: 480, nonce: NONCE, time: T0 + 51_000 };
  const notice = { v: 1 as const, licence: LICENCE, peer: 'hh-0002', host: 'hh-0001', part: 'golf-h01', partHash: described.hash, nonce: NONCE_2, time: T0 + 60_000 };
  const noticeCose = await seatNoticeArtefact.sign(notice, peer, utf8('hh-0002'));
  v.push(
    messageVector('licence.get', 'A host asks for a seat licence for 4 peers [FW-13.1].', { v: 1, t: 'licence.get', rid: 20, part: 'golf-h01', seats: 4 }),
    messageVector('licence', 'The store-signed licence; 4 × 120 is held [FW-13.1].', { v: 1, t: 'licence', rid: 20, licence: licenceCose, seatPrice: 120, total: 480, billing: 'per-reception', balance: 220 }),
    messageVector('licence.receipt', 'An upfront host acknowledges its licence: this charges the seats [FW-13.4].', {
      v: 1, t: 'licence.receipt', rid: 21, receipt: await licenceReceiptArtefact.sign(licenceReceipt, device, utf8('hh-0001')),
    }),
    messageVector('licence.charge', 'The seats charged up front.', { v: 1, t: 'licence.charge', rid: 21, licence: LICENCE, seats: 4, amount: 480, balance: 220, chargedAt: T0 + 52_000 }),
    messageVector('seat.notices', 'A host relays one peer notice [FW-13.5.2].', { v: 1, t: 'seat.notices', rid: 22, notices: [noticeCose] }),
    messageVector('seat.charges', 'One seat charged, and a notice that could not be read.', {
      v: 1, t: 'seat.charges', rid: 22, results: [{ licence: LICENCE, peer: 'hh-0002', outcome: 'charged', balance: 580 }, { licence: null, peer: null, outcome: 'notice-refused' }],
    }),
    localVector('local-join', 'A peer asks the host for a seat [FW-14.1].', { v: 1, t: 'join', rid: 1, peer: 'hh-0002' }),
    localVector('local-joined', 'The host seats the peer with the licence and manifest [FW-14.1].', { v: 1, t: 'joined', rid: 1, licence: licenceCose, manifest: manifestCose, seat: 1, windowMax: 64 }),
    localVector('local-notice', 'The peer hands its signed notice to the host [FW-14.5].', { v: 1, t: 'notice', rid: 7, notice: noticeCose }),
    localVector('local-notice.ok', 'The host has kept the notice durably.', { v: 1, t: 'notice.ok', rid: 7 }),
    localVector('local-end', 'The host ends the session: peers delete the part [FW-14.6].', { v: 1, t: 'end', licence: LICENCE, reason: 'host-ended' }),
    await signedVector('signed-licence', 'A per-reception seat licence signed by the store key; AAD "fairway/licence/1" [FW-13.3].', licenceArtefact as never, licence, store, storeKid),
    await signedVector('signed-licence-upfront', 'The same licence billed up front.', licenceArtefact as never, upfrontLicence, store, storeKid),
    await signedVector('signed-licence-receipt', 'A host licence receipt; AAD "fairway/licence-receipt/1" [FW-13.4].', licenceReceiptArtefact as never, licenceReceipt, device, utf8('hh-0001')),
    await signedVector('signed-seat-notice', 'A peer reception notice signed by hh-0002 (RFC 8032 TEST 1); AAD "fairway/seat-notice/1" [FW-13.5].', seatNoticeArtefact as never, notice, peer, utf8('hh-0002')),
  );
  return v;
}
