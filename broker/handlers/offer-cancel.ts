/** offer.cancel → offer.cancelled | refusal [FW-4.4.5]: release the hold now, not at holdUntil. */
import { toHex } from '../../sdk/vectors/json.js';
import { cancelOffer } from '../ledger/holds.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleOfferCancel: Handler<'offer.cancel'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const result = await cancelOffer(ctx.ledger, { transferId: toHex(message.transfer), deviceId, userId: session.userId!, nowMs });
  if (!result.ok) return refusal(message.rid, 'unknown-transfer', 'no open or lapsed transfer with that id for this terminal');
  return { v: 1, t: 'offer.cancelled', rid: message.rid, transfer: message.transfer, balance: result.availableMinor };
};
