/**
 * receipt → charge | refusal [FW-8]: the only thing that makes the store charge. The checks
 * run in the order of [FW-8.3]; the charge is answered only after it is durable, and the same
 * transfer is never charged twice, whatever arrives again [FW-8.2].
 */
import { FairwayError } from '../../sdk/errors.js';
import { receiptArtefact, type Receipt } from '../../sdk/receipt/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import type { DownMessage } from '../../sdk/wire/index.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleReceipt: Handler<'receipt'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const userId = session.userId!;
  const refused = (why: string) => refusal(message.rid, 'receipt-refused', why);
  const publicKey = await ctx.terminalKeys.get(deviceId);
  if (!publicKey) return refused('this terminal is no longer enrolled');

  // 1–4: structure, signature under this device's key, version, contents.
  let receipt: Receipt;
  try {
    receipt = (await receiptArtefact.open(message.receipt, publicKey, ctx.crypto)).payload;
  } catch (e) {
    if (!(e instanceof FairwayError)) throw e;
    if (e.kind === 'unsupported-version') return errorMessage('unsupported-version', e.message, message.rid);
    return refused(`not a valid receipt from this terminal (${e.kind})`);
  }
  if (receipt.device !== deviceId || receipt.user !== userId) return refused('the receipt names another device or user');

  // 5–9 in the ledger, under its locks and in one statement group with other receipts: the
  // transfer is this terminal's (5), a charged one answers with its original charge (6), what
  // was signed is what was offered (7), within the hold (8), captured exactly once (9).
  const transferId = toHex(receipt.transfer);
  const offered = { partId: receipt.part, priceMinor: receipt.price, partHash: receipt.partHash };
  const result = await ctx.captures.capture({ transferId, deviceId, userId, receipt: message.receipt, nowMs, offered });
  if (!result.ok) {
    switch (result.code) {
      case 'hold-expired':
        return refusal(message.rid, 'hold-expired', 'the hold lapsed before the receipt; ask for a new offer', { part: result.partId });
      case 'receipt-mismatch':
        return refused('the receipt does not match the offer (part, part hash or price)');
      case 'unknown-transfer':
        return refusal(message.rid, 'unknown-transfer', 'no transfer with that id for this terminal');
    }
  }
  if (!result.repeated) ctx.count('charge');
  const charge: DownMessage = {
    v: 1,
    t: 'charge',
    rid: message.rid,
    transfer: receipt.transfer,
    part: result.partId,
    price: result.priceMinor,
    balance: result.balanceMinor,
    chargedAt: result.chargedAt,
  };
  return charge;
};
