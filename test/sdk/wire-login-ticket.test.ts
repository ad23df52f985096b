/**
 * The login message's two proofs [FW-4.2, FW-4.2.5]: exactly one of `password` and `ticket`,
 * a ticket of exactly 32 bytes, and `login.ok`'s ticket only with its expiry.
 */
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../sdk/cbor/index.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';
import { expectKindSync } from '../support/expect-fairway.js';

const TICKET = new Uint8Array(32).fill(7);
const body = (value: Record<string, unknown>) => encodeCbor(value as never);

describe('login with a ticket', () => {
  it('round-trips a login with a ticket and a login.ok carrying the next one', () => {
    const login = { v: 1, t: 'login', rid: 3, user: 'alice', ticket: TICKET } as const;
    expect(decodeMessage(encodeMessage(login))).toEqual(login);
    const ok = { v: 1, t: 'login.ok', rid: 3, user: 'alice', balance: 0, currency: 'JPY', ticket: TICKET, ticketExp: 1_795_000_000_000 } as const;
    expect(decodeMessage(encodeMessage(ok))).toEqual(ok);
  });

  it('refuses both a password and a ticket, and neither, on decode and on encode', () => {
    expectKindSync(() => decodeMessage(body({ v: 1, t: 'login', rid: 1, user: 'alice', password: 'pw', ticket: TICKET })), 'out-of-range');
    const neither = expectKindSync(() => decodeMessage(body({ v: 1, t: 'login', rid: 1, user: 'alice' })), 'missing-field');
    expect(neither.path).toBe('password');
    expectKindSync(() => encodeMessage({ v: 1, t: 'login', rid: 1, user: 'alice', password: 'pw', ticket: TICKET }), 'out-of-range');
  });

  it('refuses a ticket that is not 32 bytes, or not bytes', () => {
    expectKindSync(() => decodeMessage(body({ v: 1, t: 'login', rid: 1, user: 'alice', ticket: new Uint8Array(31) })), 'out-of-range');
    expectKindSync(() => decodeMessage(body({ v: 1, t: 'login', rid: 1, user: 'alice', ticket: 'ab'.repeat(32) })), 'wrong-type');
  });

  it('refuses a login.ok with a ticket but no expiry', () => {
    expectKindSync(() => decodeMessage(body({ v: 1, t: 'login.ok', rid: 1, user: 'alice', balance: 0, currency: 'JPY', ticket: TICKET })), 'out-of-range');
  });
});
