/**
 * A peer's reception notice [FW-13.5]: its signed statement that it holds the whole hosted
 * part. In `per-reception` billing each one that reaches the store charges one seat, at most
 * once per peer and at most N per licence (seed 000 claim 8). Signed with the peer's own
 * device key, so a host cannot invent receptions.
 */
import { z } from 'zod';
import { defineArtefact } from '../cose/artefact.js';
import { id, nonce, sha256, wallMs, PROTOCOL_VERSION } from '../wire/fields.js';
import { licenceId } from '../wire/messages.js';

export const SeatNoticePayload = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  licence: licenceId,
  peer: id,
  host: id,
  part: id,
  partHash: sha256,
  nonce,
  time: wallMs,
});

export type SeatNotice = z.infer<typeof SeatNoticePayload>;
export const seatNoticeArtefact = defineArtefact('seat-notice', SeatNoticePayload, 1024);
