/**
 * broker/auth/password.ts (scrypt at rest) and the prepaid card codes built on it. Kept with
 * the ledger tests because prepaid cards are the first thing stored with it.
 */
import { describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS, hashPassword, PRODUCTION_PARAMS, verifyPassword } from '../../../broker/auth/password.js';
import { newCardId, newCardPassword, normalizeCardId, normalizeCardPassword } from '../../../broker/ledger/card-codes.js';
import { expectKind } from '../../support/expect-fairway.js';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse', FAST_TEST_PARAMS);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsf', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores a self-describing scrypt string with a fresh salt every time', async () => {
    const a = await hashPassword('pw', FAST_TEST_PARAMS);
    const b = await hashPassword('pw', FAST_TEST_PARAMS);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('pw', b)).toBe(true);
  });

  it('uses N=2^15, r=8, p=1 by default', async () => {
    expect(PRODUCTION_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
    const stored = await hashPassword('slow one');
    expect(stored.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('slow one', stored)).toBe(true);
  });

  it('treats the same text in another Unicode form as the same password', async () => {
    const stored = await hashPassword('caf\u00e9', FAST_TEST_PARAMS);
    expect(await verifyPassword('cafe\u0301', stored)).toBe(true);
  });

  it('answers false, never throws, for malformed or hostile stored strings', async () => {
    const good = await hashPassword('pw', FAST_TEST_PARAMS);
    const [, , , , salt, hash] = good.split('$');
    const malformed = [
      '',
      'plain',
      'bcrypt$1024$8$1$' + salt + '$' + hash,
      `scrypt$1024$8$1$${salt}`,
      `scrypt$1000$8$1$${salt}$${hash}`, // N not a power of two
      `scrypt$2097152$8$1$${salt}$${hash}`, // N = 2^21: over the bound
      `scrypt$1024$0$1$${salt}$${hash}`,
      `scrypt$1024$8$99$${salt}$${hash}`,
      `scrypt$01024$8$1$${salt}$${hash}`,
      `scrypt$1024$8$1$${salt}$not base64!`,
      `scrypt$1024$8$1$${salt}$QQ==`, // one byte: too short
      `scrypt$1024$8$1$$${hash}`,
      `scrypt$1024$8$1$${salt}$${hash}$extra`,
    ];
    for (const stored of malformed) expect(await verifyPassword('pw', stored), stored).toBe(false);
    expect(await verifyPassword(undefined as never, good)).toBe(false);
    expect(await verifyPassword('pw', null as never)).toBe(false);
  });

  it('refuses to hash an empty or huge password, or with unusable parameters', async () => {
    await expectKind(() => hashPassword(''), 'invalid-argument');
    await expectKind(() => hashPassword('x'.repeat(1025), FAST_TEST_PARAMS), 'out-of-range');
    await expectKind(() => hashPassword('pw', { N: 1000, r: 8, p: 1 }), 'invalid-argument');
  });
});

describe('prepaid card codes', () => {
  it('makes ids like PC-XXXX-XXXX without look-alike letters, and 8-digit passwords in two groups', () => {
    const ids = new Set(Array.from({ length: 500 }, newCardId));
    expect(ids.size).toBe(500);
    for (const id of ids) expect(id).toMatch(/^PC-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    for (let i = 0; i < 200; i++) expect(newCardPassword()).toMatch(/^[0-9]{4}-[0-9]{4}$/);
  });

  it('accepts what a person types: any case for the id, dashes or spaces in the password', () => {
    expect(normalizeCardId('pc-ab12-cd34')).toBe('PC-AB12-CD34');
    expect(normalizeCardPassword('1234-5678')).toBe('12345678');
    expect(normalizeCardPassword(' 1234 5678 ')).toBe('12345678');
    expect(normalizeCardPassword('１２３４５６７８')).toBe('12345678'); // full-width digits
  });
});
