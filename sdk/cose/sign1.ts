/**
 * COSE_Sign1 (RFC 9052 §4.2) with Ed25519: what Fairway uses for manifests, receipts and
 * connect credentials [FW-5].
 *
 * Each use binds its own external AAD (`fairway/manifest/1`, …) so a signature made for one
 * purpose never verifies as another, even with the same key [FW-5.3].
 */
import { CborTag, decodeCbor, encodeCbor } from '../cbor/index.js';
import { FairwayError } from '../errors.js';
import type { Crypto, Signer } from '../hal/crypto.js';
import { COSE_SIGN1_TAG, EMITTED_ALG, HEADER_ALG, HEADER_KID } from './algorithms.js';
import { asBytes, asHeaderMap, decodeProtected, requireAlgorithm, untag, type HeaderMap } from './structure.js';

const EMPTY = new Uint8Array(0);

export interface Sign1Input {
  payload: Uint8Array;
  signer: Signer;
  /** Key id placed in the unprotected header (label 4). */
  kid?: Uint8Array;
  externalAad?: Uint8Array;
  /** Extra protected header entries; alg is always set to EMITTED_ALG unless given here. */
  protectedHeader?: HeaderMap;
  unprotectedHeader?: HeaderMap;
}

export function sigStructure1(protectedBytes: Uint8Array, externalAad: Uint8Array, payload: Uint8Array): Uint8Array {
  return encodeCbor(['Signature1', protectedBytes, externalAad, payload]);
}

export async function signCoseSign1(input: Sign1Input): Promise<Uint8Array> {
  const protectedHeader: HeaderMap = new Map(input.protectedHeader ?? []);
  if (!protectedHeader.has(HEADER_ALG)) protectedHeader.set(HEADER_ALG, EMITTED_ALG);
  const protectedBytes = encodeCbor(protectedHeader);
  const unprotected: HeaderMap = new Map(input.unprotectedHeader ?? []);
  if (input.kid) unprotected.set(HEADER_KID, input.kid);
  const signature = await input.signer.sign(sigStructure1(protectedBytes, input.externalAad ?? EMPTY, input.payload));
  return encodeCbor(new CborTag(COSE_SIGN1_TAG, [protectedBytes, unprotected, input.payload, signature]));
}

export interface ParsedSign1 {
  protectedBytes: Uint8Array;
  protectedHeader: HeaderMap;
  unprotectedHeader: HeaderMap;
  /** The exact payload bytes that were signed. */
  payload: Uint8Array;
  signature: Uint8Array;
  alg: number;
  kid?: Uint8Array;
}

/** Structure only, no signature check: enough to find the key by kid. */
export function parseCoseSign1(bytes: Uint8Array, maxBytes = 1024 * 1024): ParsedSign1 {
  const items = untag(decodeCbor(bytes, { maxBytes, maxDepth: 8, allowedTags: new Set([COSE_SIGN1_TAG]) }), COSE_SIGN1_TAG, 'COSE_Sign1');
  if (items.length !== 4) throw new FairwayError('malformed', 'COSE_Sign1 has four elements');
  const protectedBytes = asBytes(items[0], 'the protected header');
  const protectedHeader = decodeProtected(protectedBytes);
  const unprotectedHeader = asHeaderMap(items[1], 'the unprotected header');
  if (items[2] === null) throw new FairwayError('malformed', 'detached payloads are not used by Fairway');
  const payload = asBytes(items[2], 'the payload');
  const signature = asBytes(items[3], 'the signature');
  const alg = requireAlgorithm(protectedHeader);
  if (signature.length !== 64) throw new FairwayError('bad-signature', 'an Ed25519 signature is 64 bytes');
  const kid = unprotectedHeader.get(HEADER_KID) ?? protectedHeader.get(HEADER_KID);
  if (kid !== undefined && !(kid instanceof Uint8Array)) throw new FairwayError('malformed', 'kid is a byte string');
  return { protectedBytes, protectedHeader, unprotectedHeader, payload, signature, alg, ...(kid ? { kid } : {}) };
}

/** Returns the parsed structure when the signature is good; bad-signature otherwise. */
export async function verifyCoseSign1(
  bytes: Uint8Array,
  publicKey: Uint8Array,
  crypto: Crypto,
  externalAad: Uint8Array = EMPTY,
  maxBytes?: number,
): Promise<ParsedSign1> {
  const parsed = parseCoseSign1(bytes, maxBytes);
  const toBeSigned = sigStructure1(parsed.protectedBytes, externalAad, parsed.payload);
  if (!(await crypto.verifyEd25519(publicKey, toBeSigned, parsed.signature))) {
    throw new FairwayError('bad-signature', 'the COSE_Sign1 signature does not verify');
  }
  return parsed;
}
