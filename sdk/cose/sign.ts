/**
 * COSE_Sign (RFC 9052 §4.1), verification of one signer only. Fairway itself emits only
 * COSE_Sign1; this exists so that the SDK can check the COSE working group's multi-signer
 * examples and so a porter's COSE library can be cross-checked against ours.
 */
import { decodeCbor, encodeCbor, type CborValue } from '../cbor/index.js';
import { FairwayError } from '../errors.js';
import type { Crypto } from '../hal/crypto.js';
import { COSE_SIGN_TAG } from './algorithms.js';
import { asBytes, decodeProtected, requireAlgorithm, untag } from './structure.js';

export async function verifyCoseSignSigner(
  bytes: Uint8Array,
  signerIndex: number,
  publicKey: Uint8Array,
  crypto: Crypto,
  externalAad: Uint8Array = new Uint8Array(0),
): Promise<Uint8Array> {
  const items = untag(decodeCbor(bytes, { maxDepth: 8, allowedTags: new Set([COSE_SIGN_TAG]) }), COSE_SIGN_TAG, 'COSE_Sign');
  if (items.length !== 4 || !Array.isArray(items[3])) throw new FairwayError('malformed', 'COSE_Sign has four elements, the last an array');
  const bodyProtected = asBytes(items[0], 'the body protected header');
  const payload = asBytes(items[2], 'the payload');
  const signer = (items[3] as CborValue[])[signerIndex];
  if (!Array.isArray(signer) || signer.length !== 3) throw new FairwayError('malformed', `no signer ${signerIndex}`);
  const signProtected = asBytes(signer[0], 'the signer protected header');
  requireAlgorithm(decodeProtected(signProtected));
  const signature = asBytes(signer[2], 'the signature');
  const toBeSigned = encodeCbor(['Signature', bodyProtected, signProtected, externalAad, payload]);
  if (!(await crypto.verifyEd25519(publicKey, toBeSigned, signature))) {
    throw new FairwayError('bad-signature', 'the COSE_Sign signature does not verify');
  }
  return payload;
}
