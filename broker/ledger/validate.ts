/**
 * Argument checks for every ledger entry point. They run before any transaction opens, so a
 * bad call changes nothing and says which field was wrong (`FairwayError.path`):
 * `invalid-argument` for the wrong type or shape, `out-of-range` for a number or a length
 * outside its bounds.
 */
import { FairwayError } from '../../sdk/errors.js';

/** The protocol's money bound [FW-4.1.3]: integer minor units, 0 … 10^12. */
export const MAX_MONEY_MINOR = 1_000_000_000_000;

export function requireMoney(field: string, value: unknown): number {
  const n = requireInteger(field, value);
  if (n < 0 || n > MAX_MONEY_MINOR) throw new FairwayError('out-of-range', `must be 0 … 10^12 minor units, got ${n}`, field);
  return n;
}

/** A non-zero signed amount, |amount| ≤ 10^12 (balance adjustments). */
export function requireSignedMoney(field: string, value: unknown): number {
  const n = requireInteger(field, value);
  if (n === 0 || Math.abs(n) > MAX_MONEY_MINOR) throw new FairwayError('out-of-range', `must be non-zero with |n| ≤ 10^12, got ${n}`, field);
  return n;
}

export function requireWallMs(field: string, value: unknown): number {
  const n = requireInteger(field, value);
  if (n < 0) throw new FairwayError('out-of-range', `a wall-clock time cannot be negative, got ${n}`, field);
  return n;
}

export function requireCount(field: string, value: unknown, min: number, max: number): number {
  const n = requireInteger(field, value);
  if (n < min || n > max) throw new FairwayError('out-of-range', `must be ${min} … ${max}, got ${n}`, field);
  return n;
}

function requireInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new FairwayError('invalid-argument', `must be a safe integer, got ${describe(value)}`, field);
  }
  return value;
}

/** Protocol `id` [FW-4.1.2]: devices, parts, cards. */
export function requireId(field: string, value: unknown): string {
  return requirePattern(field, value, /^[A-Za-z0-9_-]{1,64}$/, 'an id ([A-Za-z0-9_-]{1,64})');
}

/** Protocol `userId` [FW-4.1]. */
export function requireUserId(field: string, value: unknown): string {
  return requirePattern(field, value, /^[A-Za-z0-9._@-]{1,64}$/, 'a user id ([A-Za-z0-9._@-]{1,64})');
}

/** A transfer id as stored: lowercase hex of the 16 bytes. */
export function requireTransferId(field: string, value: unknown): string {
  return requirePattern(field, value, /^[0-9a-f]{32}$/, 'a transfer id (32 lowercase hex digits)');
}

/** Free text such as a provider name, a reason or an actor: 1 … maxBytes bytes of UTF-8. */
export function requireText(field: string, value: unknown, maxBytes = 256): string {
  if (typeof value !== 'string') throw new FairwayError('invalid-argument', `must be text, got ${describe(value)}`, field);
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes === 0 || bytes > maxBytes) throw new FairwayError('out-of-range', `must be 1 … ${maxBytes} bytes of text, got ${bytes}`, field);
  return value;
}

export function requireBytes(field: string, value: unknown, maxBytes: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new FairwayError('invalid-argument', `must be a Uint8Array, got ${describe(value)}`, field);
  if (value.length === 0 || value.length > maxBytes) throw new FairwayError('out-of-range', `must be 1 … ${maxBytes} bytes, got ${value.length}`, field);
  return value;
}

export function requireString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw new FairwayError('invalid-argument', `must be a string, got ${describe(value)}`, field);
  return value;
}

function requirePattern(field: string, value: unknown, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw new FairwayError('invalid-argument', `must be ${what}, got ${describe(value)}`, field);
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}

/** The stored form of a 16-byte transfer id. */
export function transferIdHex(transfer: Uint8Array): string {
  if (!(transfer instanceof Uint8Array) || transfer.length !== 16) throw new FairwayError('invalid-argument', 'a transfer id is exactly 16 bytes', 'transfer');
  return Buffer.from(transfer.buffer, transfer.byteOffset, transfer.byteLength).toString('hex');
}
