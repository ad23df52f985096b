/**
 * The receipt [FW-8]: signed only after the whole-part hash matched, persisted in the part's
 * slot before it is first sent, then resent — the same bytes under the same rid — until the
 * charge arrives, across drops and reboots. The store charges a transfer at most once, so
 * resending is always safe [FW-8.2]. A receipt made for an earlier transfer of the part (the
 * hold lapsed) is never reused: the new transfer gets a new receipt.
 */
import { decodeCbor, encodeCbor } from '../../sdk/cbor/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { encodeMessage } from '../../sdk/wire/index.js';
import type { PartOffer } from '../machine/types.js';
import { effect } from './effect.js';
import { fromHex } from './hex.js';
import type { TerminalRuntime } from './runtime.js';
import { unexpectedAnswer } from './store-answers.js';

const utf8 = new TextEncoder();

interface ReceiptRecord {
  transfer: string;
  rid: number;
  message: Uint8Array;
}

async function loadRecord(rt: TerminalRuntime, part: string): Promise<ReceiptRecord | null> {
  const stored = rt.storage.get(part);
  if (!stored) return null;
  const bytes = await rt.storage.read(part, 'rcpt', 0, stored.sideBytes);
  if (bytes.length < 2) return null;
  const length = (bytes[0]! << 8) | bytes[1]!;
  try {
    const value = decodeCbor(bytes.subarray(2, 2 + length)) as Record<string, unknown>;
    if (typeof value.transfer !== 'string' || typeof value.rid !== 'number' || !(value.message instanceof Uint8Array)) return null;
    return { transfer: value.transfer, rid: value.rid, message: value.message };
  } catch {
    return null; // a torn record: make a fresh receipt (the store charges a transfer once)
  }
}

async function makeRecord(rt: TerminalRuntime, offer: PartOffer): Promise<ReceiptRecord> {
  const receipt = await receiptArtefact.sign(
    {
      v: 1,
      device: rt.deviceId,
      user: rt.user,
      part: offer.part,
      partHash: fromHex(offer.partHash),
      transfer: fromHex(offer.transfer),
      price: offer.price,
      nonce: rt.hal.crypto.randomBytes(16),
      time: rt.hal.clock.wallMs(),
    },
    rt.hal.signer,
    utf8.encode(rt.deviceId),
  );
  const rid = rt.session.takeRid();
  const record: ReceiptRecord = { transfer: offer.transfer, rid, message: encodeMessage({ v: 1, t: 'receipt', rid, receipt }) };
  const body = encodeCbor({ transfer: record.transfer, rid: record.rid, message: record.message });
  const framed = new Uint8Array(2 + body.length);
  framed[0] = body.length >> 8;
  framed[1] = body.length & 0xff;
  framed.set(body, 2);
  await rt.storage.write(offer.part, 'rcpt', 0, framed);
  return record;
}

export function receiptActor(rt: TerminalRuntime) {
  return effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
    let record = await loadRecord(rt, offer.part);
    if (!record || record.transfer !== offer.transfer) record = await makeRecord(rt, offer);
    if (scope.stopped()) return;
    rt.emitter.emit('receipt', { part: offer.part, transfer: offer.transfer, rid: record.rid });
    const pending = rt.session.requestEncoded('receipt', record.rid, record.message);
    scope.onStop(pending.cancel);
    const answer = await pending.reply;
    if (answer.t === 'charge') {
      rt.emitter.emit('charged', { part: answer.part, transfer: offer.transfer, price: answer.price, balance: answer.balance, last: offer.next === null });
      return scope.send({ type: 'store.charged', part: answer.part, price: answer.price, balance: answer.balance });
    }
    if (answer.t === 'refusal' && (answer.code === 'hold-expired' || answer.code === 'unknown-transfer')) return scope.send({ type: 'store.holdExpired' });
    if (answer.t === 'refusal') return scope.send({ type: 'store.receiptRefused', code: answer.code, message: answer.message });
    scope.send(unexpectedAnswer(answer, 'charge'));
  });
}

