/**
 * The algorithm policy [FW-5.1]. Fairway signs only with Ed25519. It emits alg -8 ("EdDSA",
 * RFC 9053), which every COSE library of today understands, and accepts both -8 and -19
 * ("Ed25519", the fully specified identifier of RFC 9864). Anything else is refused with
 * unsupported-algorithm before a signature is looked at.
 */
export const ALG_EDDSA = -8;
export const ALG_ED25519 = -19;
export const EMITTED_ALG = ALG_EDDSA;
export const ACCEPTED_ALGS: ReadonlySet<number> = new Set([ALG_EDDSA, ALG_ED25519]);

/** COSE header labels used here (RFC 9052 §3.1). */
export const HEADER_ALG = 1;
export const HEADER_CRIT = 2;
export const HEADER_CONTENT_TYPE = 3;
export const HEADER_KID = 4;

export const COSE_SIGN1_TAG = 18;
export const COSE_SIGN_TAG = 98;
