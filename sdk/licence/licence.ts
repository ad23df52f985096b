/**
 * The seat licence [FW-13.3]: the store's signed permission for one host to serve one part
 * (exactly the bytes of `partHash`) to at most `seats` peers until `exp`, and the billing
 * mode that says who pays what. Peers check it before storing a byte [FW-14.3].
 */
import { z } from 'zod';
import { defineArtefact } from '../cose/artefact.js';
import { id, money, sha256, userId, wallMs, PROTOCOL_VERSION } from '../wire/fields.js';
import { licenceBilling, licenceId, seatCount } from '../wire/messages.js';

export const LicencePayload = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  licence: licenceId,
  host: id,
  user: userId,
  title: id,
  part: id,
  partHash: sha256,
  seats: seatCount,
  billing: licenceBilling,
  seatPrice: money,
  issuedAt: wallMs,
  exp: wallMs,
});

export type Licence = z.infer<typeof LicencePayload>;
export type LicenceBilling = Licence['billing'];
export const licenceArtefact = defineArtefact('licence', LicencePayload, 1024);
