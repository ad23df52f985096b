/**
 * licence.get → licence | refusal [FW-13.2]: a host terminal asks to serve a part it owns to
 * up to N nearby peers (seed 000 claims 4, 5). The checks run in the table's order; the
 * store holds seats × seat price, signs the licence with the store key and hands it over.
 * A repeat while the host's licence is open returns that licence: no second hold.
 */
import { randomBytes } from 'node:crypto';
import { licenceArtefact } from '../../sdk/licence/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { ownsPart, placeLicenceHold } from '../ledger/licences.js';
import { licenceTotalMinor } from '../pricing/index.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleLicenceGet: Handler<'licence.get'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const userId = session.userId!;
  const partId = message.part;
  // 2: the part exists and its title has a seat rule.
  const found = await ctx.parts.get(partId);
  const rule = found?.title.seats;
  if (!found || !rule) return refusal(message.rid, 'not-licensable', `part ${partId} cannot be hosted`, { part: partId });
  const { part, title } = found;
  // 3: only a user who was charged for the part may host it.
  if (!(await ownsPart(ctx.ledger, userId, part.id))) return refusal(message.rid, 'not-owned', `${userId} was never charged for ${part.id}`, { part: part.id });
  // 4: within the title's seat limit.
  if (message.seats > rule.maxSeats) return refusal(message.rid, 'too-many-seats', `${title.id} allows at most ${rule.maxSeats} seats`, { part: part.id });
  if (!ctx.storeKey) return errorMessage('internal', 'this store has no key to sign licences', message.rid);

  // 5–6: hold the total, mint an id, sign. Signed before the hold so the row keeps the exact
  // bytes; a licence that turns out not to be needed (repeat, short credit) is never sent.
  const licenceId = new Uint8Array(randomBytes(16));
  const exp = nowMs + rule.sessionMs;
  const licence = await licenceArtefact.sign(
    {
      v: 1,
      licence: licenceId,
      host: deviceId,
      user: userId,
      title: title.id,
      part: part.id,
      partHash: part.partHash,
      seats: message.seats,
      billing: rule.billing,
      seatPrice: rule.price,
      issuedAt: nowMs,
      exp,
    },
    ctx.storeKey.signer,
    ctx.storeKey.kid,
  );
  const held = await placeLicenceHold(ctx.ledger, {
    licenceId: toHex(licenceId),
    hostDeviceId: deviceId,
    userId,
    titleId: title.id,
    partId: part.id,
    partHash: part.partHash,
    provider: title.provider,
    seats: message.seats,
    billing: rule.billing,
    seatPriceMinor: rule.price,
    exp,
    settleAt: rule.billing === 'per-reception' ? exp + ctx.config.seatNoticeGraceMs : exp,
    licence,
    nowMs,
  });
  if (!held.ok) {
    return refusal(message.rid, 'insufficient-credit', `available credit ${held.availableMinor} is below the licence total ${held.totalMinor}`, {
      balance: held.availableMinor,
      price: held.totalMinor,
      part: part.id,
    });
  }
  if (held.created) ctx.count('licence');
  const granted = held.licence;
  return {
    v: 1,
    t: 'licence',
    rid: message.rid,
    licence: granted.licence,
    seatPrice: granted.seatPriceMinor,
    total: licenceTotalMinor({ price: granted.seatPriceMinor }, granted.seats),
    billing: granted.billing,
    balance: held.availableMinor,
  };
};

