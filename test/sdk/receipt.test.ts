import { describe, expect, it } from 'vitest';
import { checkCredentialTime, credentialArtefact, receiptArtefact, ReplayGuard, type Receipt } from '../../sdk/receipt/index.js';
import { expectKind, expectKindSync } from '../support/expect-fairway.js';
import { crypto, deviceSigner, otherSigner, utf8 } from '../support/keys.js';

const receipt: Receipt = {
  v: 1,
  device: 'hh-1',
  user: 'alice',
  part: 'p1',
  partHash: new Uint8Array(32).fill(3),
  transfer: new Uint8Array(16).fill(4),
  price: 450,
  nonce: new Uint8Array(16).fill(5),
  time: 1_795_000_000_000,
};

describe('reception receipt', () => {
  it('opens under the device key and yields exactly what was signed', async () => {
    const cose = await receiptArtefact.sign(receipt, deviceSigner, utf8('hh-1'));
    const opened = await receiptArtefact.open(cose, deviceSigner.publicKey, crypto);
    expect(opened.payload).toEqual(receipt);
    expect(opened.kid).toEqual(utf8('hh-1'));
    expect(receiptArtefact.peekKid(cose)).toEqual(utf8('hh-1'));
  });

  it('refuses a receipt signed by another key (forged) or altered after signing', async () => {
    const forged = await receiptArtefact.sign(receipt, otherSigner, utf8('hh-1'));
    await expectKind(() => receiptArtefact.open(forged, deviceSigner.publicKey, crypto), 'bad-signature');
    const cose = await receiptArtefact.sign(receipt, deviceSigner);
    // Find the encoded price ("price": 450 = 65 7072696365 1901c2) and make it 1 (a 3-byte int).
    const at = Buffer.from(cose).indexOf(Buffer.from('6570726963651901c2', 'hex'));
    expect(at).toBeGreaterThan(0);
    const altered = cose.slice();
    altered.set([0x19, 0x00, 0x01], at + 6);
    await expectKind(() => receiptArtefact.open(altered, deviceSigner.publicKey, crypto), 'bad-signature');
  });

  it('is not accepted as a connect credential even though the same key signed it', async () => {
    const cose = await receiptArtefact.sign(receipt, deviceSigner);
    await expectKind(() => credentialArtefact.open(cose, deviceSigner.publicKey, crypto), 'bad-signature');
  });
});

describe('connect credential', () => {
  const now = 1_795_000_000_000;
  it('is accepted within the time window and refused outside it', () => {
    const credential = { v: 1 as const, device: 'hh-1', time: now - 299_000, nonce: new Uint8Array(16) };
    checkCredentialTime(credential, now, 300_000);
    expectKindSync(() => checkCredentialTime({ ...credential, time: now - 301_000 }, now, 300_000), 'out-of-range');
    expectKindSync(() => checkCredentialTime({ ...credential, time: now + 301_000 }, now, 300_000), 'out-of-range');
  });

  it('is accepted once per nonce while the nonce is inside the window', () => {
    const guard = new ReplayGuard(300_000);
    const nonce = new Uint8Array(16).fill(9);
    expect(guard.accept(nonce, now, now)).toBe(true);
    expect(guard.accept(nonce, now, now + 1000)).toBe(false);
    expect(guard.accept(new Uint8Array(16).fill(8), now, now + 1000)).toBe(true);
  });

  it('forgets nonces once their credentials can no longer pass the time check', () => {
    const guard = new ReplayGuard(300_000);
    for (let i = 0; i < 100; i++) guard.accept(new Uint8Array(16).fill(i), now, now);
    guard.accept(new Uint8Array(16).fill(200), now + 400_000, now + 400_000);
    expect(guard.size).toBe(1);
  });
});
