/**
 * licence.receipt → licence.charge | refusal [FW-13.4]: in upfront billing the host's signed
 * receipt for its licence, and nothing else, charges the approved seats (seed 000 claims 7,
 * 10). Checked as a part receipt is [FW-8.3] — structure and signature with this
 * connection's device key (verified on the crypto offload), version, contents, the licence is
 * this device's, already charged → the original answer, seats and amount, now ≤ exp — and
 * captured exactly once.
 */
import { FairwayError } from '../../sdk/errors.js';
import { licenceReceiptArtefact, type LicenceReceipt } from '../../sdk/licence/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { captureLicence } from '../ledger/licence-capture.js';
import { getLicence } from '../ledger/licences.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleLicenceReceipt: Handler<'licence.receipt'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const userId = session.userId!;
  const refused = (why: string) => refusal(message.rid, 'licence-refused', why);
  const unknown = () => refusal(message.rid, 'unknown-licence', 'no licence with that id for this terminal');
  const publicKey = await ctx.terminalKeys.get(deviceId);
  if (!publicKey) return refused('this terminal is no longer enrolled');

  // Structure, signature under this device's key, version, contents.
  let receipt: LicenceReceipt;
  try {
    receipt = (await licenceReceiptArtefact.open(message.receipt, publicKey, ctx.crypto)).payload;
  } catch (e) {
    if (!(e instanceof FairwayError)) throw e;
    if (e.kind === 'unsupported-version') return errorMessage('unsupported-version', e.message, message.rid);
    return refused(`not a valid licence receipt from this terminal (${e.kind})`);
  }
  if (receipt.device !== deviceId || receipt.user !== userId) return refused('the receipt names another device or user');

  // The licence is this terminal's; a charged one answers with its original charge.
  const licenceId = toHex(receipt.licence);
  const licence = await getLicence(ctx.ledger, licenceId);
  if (!licence || licence.hostDeviceId !== deviceId || licence.userId !== userId) return unknown();
  if (licence.billing !== 'upfront') return refused('a per-reception licence is charged by its seat notices, not by a receipt');
  if (licence.state !== 'charged' && (receipt.seats !== licence.seats || receipt.amount !== licence.seats * licence.seatPriceMinor)) {
    return refused('the receipt does not match the licence (seats or amount)');
  }

  // Within exp, capture exactly once.
  const result = await captureLicence(ctx.ledger, { licenceId, deviceId, userId, receipt: message.receipt, nowMs });
  if (!result.ok) {
    return result.code === 'licence-expired' ? refusal(message.rid, 'licence-expired', 'the licence ended before its receipt arrived; nothing was charged') : unknown();
  }
  if (!result.repeated) ctx.count('seat-charge', { billing: 'upfront' }, result.seats);
  return {
    v: 1,
    t: 'licence.charge',
    rid: message.rid,
    licence: receipt.licence,
    seats: result.seats,
    amount: result.amountMinor,
    balance: result.balanceMinor,
    chargedAt: result.chargedAt,
  };
};
