/**
 * The reception receipt [FW-8]: the terminal's signed statement that it holds the whole part
 * whose hash the manifest names. It is the only thing that makes the store charge.
 */
import { z } from 'zod';
import { defineArtefact } from '../cose/artefact.js';
import { id, money, nonce, sha256, transferId, userId, wallMs, PROTOCOL_VERSION } from '../wire/fields.js';

export const ReceiptPayload = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  device: id,
  user: userId,
  part: id,
  partHash: sha256,
  transfer: transferId,
  /** The offer's price, echoed so the terminal's signature covers what it agreed to pay. */
  price: money,
  nonce,
  time: wallMs,
});

export type Receipt = z.infer<typeof ReceiptPayload>;
export const receiptArtefact = defineArtefact('receipt', ReceiptPayload, 1024);
