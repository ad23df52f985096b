/** The CONNECT password: raw COSE_Sign1 bytes, or their unpadded base64url text [FW-2.3]. */
import { describe, expect, it } from 'vitest';
import { credentialFromPassword, MAX_CREDENTIAL_BYTES } from '../../../broker/auth/credential-password.js';
import { ConnectRefusal } from '../../../broker/auth/connect-refusal.js';

const cose = Uint8Array.from([0xd2, 0x84, 0x43, 0xa1, 0x01, 0x27]);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

function refusal(password: Uint8Array | undefined): ConnectRefusal {
  try {
    credentialFromPassword(password);
  } catch (e) {
    if (e instanceof ConnectRefusal) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('credentialFromPassword', () => {
  it('takes raw bytes starting with tag 18 as they are', () => {
    expect(credentialFromPassword(cose)).toBe(cose);
  });

  it('decodes unpadded base64url text to the same bytes', () => {
    expect(credentialFromPassword(text(Buffer.from(cose).toString('base64url')))).toEqual(cose);
  });

  it.each([
    ['missing', undefined],
    ['empty', new Uint8Array(0)],
    ['padded (base64 with =)', text(`${Buffer.from(cose.subarray(0, 5)).toString('base64url')}==`)],
    ['standard-alphabet characters', text('0oRD+QEn')],
    ['an impossible length (4n+1)', text('0oRDo')],
    ['text of non-COSE bytes', text(Buffer.from('hello').toString('base64url'))],
    ['raw bytes over 768', Uint8Array.from([0xd2, ...new Uint8Array(MAX_CREDENTIAL_BYTES)])],
    ['text over 1024 characters', text('A'.repeat(1025))],
  ])('refuses a password that is %s, with CONNACK 4', (_name, password) => {
    expect(refusal(password).returnCode).toBe(4);
  });
});
