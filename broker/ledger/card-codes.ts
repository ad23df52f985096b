/**
 * Prepaid card ids and passwords, printed on a card and typed by a person on a handheld:
 * id `PC-XXXX-XXXX` from a 32-letter alphabet without look-alikes (no I, L, O, U), password
 * eight digits in two groups (`1234-5678`). Both come from node:crypto's CSPRNG, drawn without
 * modulo bias (randomInt). People type the password with or without the dash or spaces, so it
 * is normalized to its digits before hashing and before checking.
 */
import { randomInt } from 'node:crypto';

const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 40 random bits: collisions are checked for anyway, but stay rare across millions of cards. */
export function newCardId(): string {
  const pick = () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]!;
  const group = () => pick() + pick() + pick() + pick();
  return `PC-${group()}-${group()}`;
}

export function newCardPassword(): string {
  const group = () => randomInt(10_000).toString().padStart(4, '0');
  return `${group()}-${group()}`;
}

/** What is hashed and compared: the password with separators a person might type removed. */
export function normalizeCardPassword(typed: string): string {
  return typed.normalize('NFKC').replace(/[\s-]/g, '');
}

/** Card ids are printed in capitals; accept them typed in any case. */
export function normalizeCardId(typed: string): string {
  return typed.toUpperCase();
}
