/**
 * offer.get → offer | refusal [FW-4.4]: price the part for this user, hold that much credit
 * until holdUntil, and hand over the signed manifest. A repeat while the hold is open gets
 * the same transfer [FW-4.4.1].
 */
import { randomBytes } from 'node:crypto';
import { fromHex, toHex } from '../../sdk/vectors/json.js';
import { placeHold } from '../ledger/holds.js';
import { refusal, type Handler } from '../service/store-context.js';
import { advertRef, quoteFor } from './offer-quote.js';

export const handleOfferGet: Handler<'offer.get'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const userId = session.userId!;
  const found = await ctx.parts.get(message.part);
  if (!found) return refusal(message.rid, 'unknown-part', `no part ${message.part} for sale`, { part: message.part });
  const { part, title } = found;
  const q = await quoteFor(ctx.db, userId, part, title);
  const held = await placeHold(ctx.ledger, {
    transferId: toHex(randomBytes(16)),
    deviceId,
    userId,
    partId: part.id,
    listPriceMinor: q.listPriceMinor,
    priceMinor: q.priceMinor,
    provider: title.provider,
    ...(q.sponsor ? { sponsor: q.sponsor } : {}),
    sponsorPaysMinor: q.sponsorPaysMinor,
    holdUntil: nowMs + ctx.config.holdMs,
    nowMs,
  });
  if (!held.ok) {
    return refusal(message.rid, 'insufficient-credit', `available credit ${held.availableMinor} is below the price ${held.priceMinor}`, {
      balance: held.availableMinor,
      price: held.priceMinor,
      part: part.id,
    });
  }
  const transfer = held.transfer;
  if (held.created) ctx.count('offer');
  return {
    v: 1,
    t: 'offer',
    rid: message.rid,
    transfer: fromHex(transfer.transferId),
    part: part.id,
    listPrice: transfer.listPriceMinor,
    price: transfer.priceMinor,
    currency: title.currency,
    holdUntil: transfer.holdUntil,
    manifest: part.manifest,
    windowMax: ctx.config.windowMax,
    ...(transfer.sponsor && q.advertTitle ? { advert: await advertRef(ctx.db, q.advertTitle, transfer.sponsor) } : {}),
  };
};
