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

const T0 = 1_795_000_000_000; // 2026-11-18T…Z; any fixed wall time works.
const TRANSFER = fromHex('5f1c0e6a9b2d4c8e8f00112233445566');
const NONCE = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const utf8 = (s: string) => new TextEncoder().encode(s);

function messageVector(name: string, description: string, message: Message): WireVector {
  const bytes = encodeMessage(message as never);
  return { name, description, value: toJsonValue(message as CborValue), cbor_hex: toHex(bytes) };
}

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

export async function buildVectors(device: Signer, store: Signer, crypto: Crypto): Promise<WireVector[]> {
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
  return v;
}
