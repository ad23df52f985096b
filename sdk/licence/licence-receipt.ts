/**
 * The host's licence receipt [FW-13.4]: in `upfront` billing, its signed statement that it
 * received the licence for `seats` seats at `amount`. It is what makes the store charge the
 * approved seats (seed 000 claims 7, 10): like a part receipt, nothing else does.
 */
import { z } from 'zod';
import { defineArtefact } from '../cose/artefact.js';
import { id, money, nonce, userId, wallMs, PROTOCOL_VERSION } from '../wire/fields.js';
import { licenceId, seatCount } from '../wire/messages.js';

export const LicenceReceiptPayload = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  licence: licenceId,
  device: id,
  user: userId,
  seats: seatCount,
  amount: money,
  nonce,
  time: wallMs,
});

export type LicenceReceipt = z.infer<typeof LicenceReceiptPayload>;
export const licenceReceiptArtefact = defineArtefact('licence-receipt', LicenceReceiptPayload, 1024);
