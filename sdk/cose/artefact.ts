/**
 * A signed artefact: a versioned CBOR payload inside a COSE_Sign1, bound to its purpose by
 * an external AAD [FW-5.3]. Manifests, receipts and connect credentials are all one of these,
 * so they share one way to be built, signed, opened and refused.
 */
import type { z } from 'zod';
import { encodeCbor, type CborValue } from '../cbor/index.js';
import type { Crypto, Signer } from '../hal/crypto.js';
import { decodeBody, requireVersion } from '../wire/codec.js';
import { parseWith } from '../wire/issues.js';
import { parseCoseSign1, signCoseSign1, verifyCoseSign1 } from './sign1.js';

export interface Opened<T> {
  payload: T;
  /** The exact signed payload bytes. */
  payloadBytes: Uint8Array;
  kid?: Uint8Array;
}

export interface Artefact<S extends z.ZodType> {
  readonly name: string;
  readonly externalAad: Uint8Array;
  encodePayload(value: z.input<S>): Uint8Array;
  decodePayload(bytes: Uint8Array): z.infer<S>;
  sign(value: z.input<S>, signer: Signer, kid?: Uint8Array): Promise<Uint8Array>;
  /** Verifies against `publicKey`, then decodes the exact bytes that were signed. */
  open(cose: Uint8Array, publicKey: Uint8Array, crypto: Crypto): Promise<Opened<z.infer<S>>>;
  /** The kid, before any key is chosen; the signature is not checked. */
  peekKid(cose: Uint8Array): Uint8Array | undefined;
}

export function defineArtefact<S extends z.ZodType>(name: string, schema: S, maxPayloadBytes: number): Artefact<S> {
  const externalAad = new TextEncoder().encode(`fairway/${name}/1`);
  const maxCoseBytes = maxPayloadBytes + 512;
  const decodePayload = (bytes: Uint8Array): z.infer<S> => {
    const body = decodeBody(bytes, maxPayloadBytes);
    requireVersion(body);
    return parseWith(schema, body);
  };
  return {
    name,
    externalAad,
    encodePayload: (value) => encodeCbor(parseWith(schema, value) as CborValue),
    decodePayload,
    async sign(value, signer, kid) {
      const payload = encodeCbor(parseWith(schema, value) as CborValue);
      return signCoseSign1({ payload, signer, externalAad, ...(kid ? { kid } : {}) });
    },
    async open(cose, publicKey, crypto) {
      const parsed = await verifyCoseSign1(cose, publicKey, crypto, externalAad, maxCoseBytes);
      return { payload: decodePayload(parsed.payload), payloadBytes: parsed.payload, ...(parsed.kid ? { kid: parsed.kid } : {}) };
    },
    peekKid: (cose) => parseCoseSign1(cose, maxCoseBytes).kid,
  };
}
