/**
 * A reply and the bytes it was published as. The reply cache keeps both, so a resend is
 * answered with the very bytes of the first answer — on this node or, through the shared
 * level, on another — instead of a fresh encoding that cbor-x may lay out differently.
 * Made only by the service's encoder (which validates the body) or by decoding kept bytes.
 */
import type { DownMessage } from '../../sdk/wire/index.js';

export class EncodedReply {
  constructor(
    readonly message: DownMessage,
    readonly bytes: Uint8Array,
  ) {}
}
