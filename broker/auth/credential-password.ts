/**
 * The MQTT password field carries the COSE_Sign1 credential [FW-2.3]. The protocol says raw
 * bytes, but many MQTT stacks (mosquitto_pub, several embedded clients) can only send a text
 * password, so the broker also takes the unpadded base64url text of the same bytes. The two
 * cannot be confused: raw credentials start with 0xd2 (CBOR tag 18), and base64url text is
 * ASCII.
 */
import { ConnectRefusal, CONNACK } from './connect-refusal.js';

/** CBOR head of tag 18 (COSE_Sign1): major type 6, value 18. */
const COSE_SIGN1_TAG_BYTE = 0xd2;
/** A whole credential is at most 768 bytes [FW-2.3.1]; its text form at most 1024 characters. */
export const MAX_CREDENTIAL_BYTES = 768;
const MAX_CREDENTIAL_TEXT = Math.ceil((MAX_CREDENTIAL_BYTES * 4) / 3);
const BASE64URL_UNPADDED = /^[A-Za-z0-9_-]+$/;

function refuse(reason: string): never {
  throw new ConnectRefusal(CONNACK.badUsernameOrPassword, reason);
}

/** The credential bytes from the CONNECT password, raw or base64url; refuses with CONNACK 4. */
export function credentialFromPassword(password: Uint8Array | undefined): Uint8Array {
  if (password === undefined || password.length === 0) refuse('password (credential) missing');
  if (password[0] === COSE_SIGN1_TAG_BYTE) {
    if (password.length > MAX_CREDENTIAL_BYTES) refuse(`credential is ${password.length} bytes (max ${MAX_CREDENTIAL_BYTES})`);
    return password;
  }
  if (password.length > MAX_CREDENTIAL_TEXT) refuse(`text credential is ${password.length} characters (max ${MAX_CREDENTIAL_TEXT})`);
  const text = Buffer.from(password.buffer, password.byteOffset, password.byteLength).toString('latin1');
  // Node's decoder skips characters it does not know; insist on the exact alphabet and a
  // length that a real encoding can have (4n+1 characters never come out of base64url).
  if (!BASE64URL_UNPADDED.test(text) || text.length % 4 === 1) {
    refuse('password is neither a COSE_Sign1 (0xd2…) nor unpadded base64url text of one');
  }
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  if (bytes[0] !== COSE_SIGN1_TAG_BYTE) refuse('base64url password does not decode to a COSE_Sign1 (0xd2…)');
  return bytes;
}
