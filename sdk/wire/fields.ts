/**
 * The field types messages are built from [FW-4.1]. Each carries the rule a porter must
 * enforce; the docs table in docs/protocol.md §4.1 is the same list in prose.
 */
import { z } from 'zod';

/** Protocol version this build speaks [FW-9.1]. */
export const PROTOCOL_VERSION = 1;

const MAX_MONEY = 1_000_000_000_000; // 10^12 minor units: far above any wallet, far below 2^53.

export const uint = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
export const u32 = z.number().int().min(0).max(0xffff_ffff);
/** Money in integer minor units of the store currency [FW-4.1.3]. */
export const money = z.number().int().min(0).max(MAX_MONEY);
/** Wall-clock milliseconds since the Unix epoch. */
export const wallMs = uint;
/** Request id chosen by the terminal; replies echo it [FW-3.6]. */
export const requestId = u32;

/** Device, part, title and card ids: MQTT-topic-safe by construction (no `#`, `+`, `/`) [FW-2.1]. */
export const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id is 1–64 of [A-Za-z0-9_-]');
export const userId = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'a user id is 1–64 of [A-Za-z0-9._@-]');
const utf8 = new TextEncoder();
/** Text whose limit is in UTF-8 bytes, what a porter's buffer holds, not UTF-16 code units. */
export const utf8Text = (minBytes: number, maxBytes: number) =>
  z.string().refine((s) => {
    const n = utf8.encode(s).length;
    return n >= minBytes && n <= maxBytes;
  }, `${minBytes}–${maxBytes} bytes of UTF-8`);
export const secret = utf8Text(1, 128);
export const currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
export const shortText = utf8Text(0, 256);
/** Lower-case codes from the tables in docs/protocol.md §10 [FW-10.1]. */
export const code = z.string().regex(/^[a-z][a-z-]{0,31}$/, 'a lower-case code');

/** A CBOR byte string; anything else is a wrong-type issue, not a range one. */
export const byteString = z.custom<Uint8Array>((x) => x instanceof Uint8Array, {
  message: 'expected a byte string',
  params: { kind: 'wrong-type' },
});
export const bytes = (length: number) => byteString.refine((b) => b.length === length, `exactly ${length} bytes`);
export const boundedBytes = (max: number) => byteString.refine((b) => b.length <= max, `at most ${max} bytes`);

/** 128-bit transfer id the store mints per offer [FW-4.4]. */
export const transferId = bytes(16);
export const nonce = bytes(16);
export const sha256 = bytes(32);
