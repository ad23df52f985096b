/**
 * Passwords (users' and prepaid cards') at rest: scrypt from node:crypto with a random salt
 * per hash, stored as one self-describing string `scrypt$N$r$p$salt$hash` (base64 salt and
 * hash), so the cost can be raised later without losing the ability to check old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { FairwayError } from '../../sdk/errors.js';

export interface ScryptParams {
  /** CPU/memory cost: a power of two. */
  N: number;
  /** Block size. */
  r: number;
  /** Parallelism. */
  p: number;
}

/** What the store uses: about 32 MiB and tens of milliseconds per hash. */
export const PRODUCTION_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });

/** 32 times cheaper, for tests and test card batches only; never for real secrets. */
export const FAST_TEST_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 10, r: 8, p: 1 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** A password longer than this is refused (hashing it is work an attacker could make us do). */
const MAX_PASSWORD_BYTES = 1024;

/**
 * Bounds accepted from a stored string. They keep a corrupted or hostile row from making one
 * verification allocate gigabytes or run for minutes.
 */
const LIMITS = { maxLogN: 20, maxR: 32, maxP: 16, minBytes: 8, maxBytes: 64 } as const;

export async function hashPassword(password: string, params: ScryptParams = PRODUCTION_PARAMS): Promise<string> {
  if (typeof password !== 'string' || password.length === 0) {
    throw new FairwayError('invalid-argument', 'a password must be a non-empty string');
  }
  const secret = passwordBytes(password);
  if (secret.length > MAX_PASSWORD_BYTES) throw new FairwayError('out-of-range', `a password is at most ${MAX_PASSWORD_BYTES} bytes`);
  if (!paramsAreSane(params)) throw new FairwayError('invalid-argument', `unusable scrypt parameters ${JSON.stringify(params)}`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(secret, salt, KEY_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * True iff `password` matches `encoded`. A malformed or out-of-bounds stored string is simply
 * false (logged by no one here): a login or a card check must never turn into a crash.
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  if (typeof password !== 'string' || typeof encoded !== 'string') return false;
  const parsed = parseEncoded(encoded);
  if (!parsed) return false;
  const secret = passwordBytes(password);
  if (secret.length === 0 || secret.length > MAX_PASSWORD_BYTES) return false;
  let key: Buffer;
  try {
    key = await derive(secret, parsed.salt, parsed.hash.length, parsed.params);
  } catch {
    return false;
  }
  return timingSafeEqual(key, parsed.hash);
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  hash: Buffer;
}

function parseEncoded(encoded: string): ParsedHash | undefined {
  const fields = encoded.split('$');
  if (fields.length !== 6 || fields[0] !== 'scrypt') return undefined;
  const [N, r, p] = [fields[1], fields[2], fields[3]].map((f) => (f !== undefined && /^[1-9][0-9]{0,9}$/.test(f) ? Number(f) : NaN));
  const params = { N: N!, r: r!, p: p! };
  if (!paramsAreSane(params)) return undefined;
  const salt = strictBase64(fields[4]!);
  const hash = strictBase64(fields[5]!);
  if (!salt || !hash) return undefined;
  if (salt.length < LIMITS.minBytes || salt.length > LIMITS.maxBytes) return undefined;
  if (hash.length < LIMITS.minBytes || hash.length > LIMITS.maxBytes) return undefined;
  return { params, salt, hash };
}

function paramsAreSane({ N, r, p }: ScryptParams): boolean {
  const isPowerOfTwo = Number.isSafeInteger(N) && N >= 2 && (N & (N - 1)) === 0 && N <= 2 ** LIMITS.maxLogN;
  return isPowerOfTwo && Number.isSafeInteger(r) && r >= 1 && r <= LIMITS.maxR && Number.isSafeInteger(p) && p >= 1 && p <= LIMITS.maxP;
}

/** Node's base64 decoder skips junk silently; a stored hash must round-trip exactly. */
function strictBase64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

/** NFC first, so the same password typed on two keyboards gives the same bytes. */
function passwordBytes(password: string): Buffer {
  return Buffer.from(password.normalize('NFC'), 'utf8');
}

function derive(secret: Buffer, salt: Buffer, keyBytes: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is exactly the production cost,
  // which it refuses, so the cap is set from the parameters with room to spare.
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}
