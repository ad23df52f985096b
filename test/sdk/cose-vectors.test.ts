/** The COSE working group's Ed25519 examples (test/data/cose, see SOURCE.md), reproduced and verified. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CborTag, encodeCbor } from '../../sdk/cbor/index.js';
import { HEADER_CONTENT_TYPE, parseCoseSign1, sigStructure1, signCoseSign1, verifyCoseSign1, verifyCoseSignSigner } from '../../sdk/cose/index.js';
import { fromHex, toHex } from '../../sdk/vectors/json.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { expectKind } from '../support/expect-fairway.js';
import { crypto, utf8 } from '../support/keys.js';

const load = (name: string) => JSON.parse(readFileSync(new URL(`../data/cose/${name}`, import.meta.url), 'utf8'));
const sign1Vector = load('eddsa-sig-01.json');
const signVector = load('eddsa-01.json');
const key = sign1Vector.input.sign0.key;
const signer = NodeSigner.fromSeed(fromHex(key.d_hex));

describe('COSE working group vector eddsa-sig-01 (COSE_Sign1, Ed25519)', () => {
  it('is reproduced byte for byte, since Ed25519 is deterministic', async () => {
    const cose = await signCoseSign1({
      payload: utf8(sign1Vector.input.plaintext),
      signer,
      kid: utf8(sign1Vector.input.sign0.unprotected.kid),
      protectedHeader: new Map([[1, -8], [HEADER_CONTENT_TYPE, 0]]),
    });
    expect(toHex(cose)).toBe(sign1Vector.output.cbor.toLowerCase());
  });

  it('builds exactly the To-Be-Signed bytes the vector lists, from the received bytes', () => {
    const parsed = parseCoseSign1(fromHex(sign1Vector.output.cbor));
    expect(toHex(parsed.protectedBytes)).toBe('a201270300');
    expect(toHex(sigStructure1(parsed.protectedBytes, new Uint8Array(0), parsed.payload))).toBe(sign1Vector.intermediates.ToBeSign_hex.toLowerCase());
  });

  it('verifies with the vector key and yields the payload and kid', async () => {
    const opened = await verifyCoseSign1(fromHex(sign1Vector.output.cbor), fromHex(key.x_hex), crypto);
    expect(new TextDecoder().decode(opened.payload)).toBe('This is the content.');
    expect(new TextDecoder().decode(opened.kid)).toBe('11');
    expect(opened.alg).toBe(-8);
  });

  it('refuses the vector when one payload byte is changed', async () => {
    const bytes = fromHex(sign1Vector.output.cbor);
    bytes[20]! ^= 1;
    await expectKind(() => verifyCoseSign1(bytes, fromHex(key.x_hex), crypto), 'bad-signature');
  });

  it('refuses the vector under another public key', async () => {
    await expectKind(() => verifyCoseSign1(fromHex(sign1Vector.output.cbor), NodeSigner.generate().publicKey, crypto), 'bad-signature');
  });
});

describe('COSE working group vector eddsa-01 (COSE_Sign, one Ed25519 signer)', () => {
  const k = signVector.input.sign.signers[0].key;
  it('verifies the signer and yields the payload', async () => {
    const payload = await verifyCoseSignSigner(fromHex(signVector.output.cbor), 0, fromHex(k.x_hex), crypto);
    expect(new TextDecoder().decode(payload)).toBe(signVector.input.plaintext);
  });

  it('refuses it under external AAD it was not made with', async () => {
    await expectKind(() => verifyCoseSignSigner(fromHex(signVector.output.cbor), 0, fromHex(k.x_hex), crypto, utf8('x')), 'bad-signature');
  });
});

describe('algorithm policy', () => {
  const payload = utf8('p');
  it('emits alg -8 (EdDSA) in the protected header', async () => {
    const parsed = parseCoseSign1(await signCoseSign1({ payload, signer }));
    expect(toHex(parsed.protectedBytes)).toBe('a10127');
  });

  it('accepts alg -19 (Ed25519, fully specified)', async () => {
    const cose = await signCoseSign1({ payload, signer, protectedHeader: new Map([[1, -19]]) });
    expect((await verifyCoseSign1(cose, signer.publicKey, crypto)).alg).toBe(-19);
  });

  it('refuses any other algorithm before checking the signature', async () => {
    const cose = await signCoseSign1({ payload, signer, protectedHeader: new Map([[1, -7]]) });
    await expectKind(() => verifyCoseSign1(cose, signer.publicKey, crypto), 'unsupported-algorithm');
  });

  it('refuses an algorithm only in the unprotected header', async () => {
    const cose = encodeCbor(new CborTag(18, [encodeCbor(new Map([[3, 0]])), new Map([[1, -8]]), payload, new Uint8Array(64)]));
    await expectKind(async () => parseCoseSign1(cose), 'unsupported-algorithm');
  });

  it('refuses critical headers it cannot understand', async () => {
    const cose = await signCoseSign1({ payload, signer, protectedHeader: new Map<number, never>([[1, -8 as never], [2, [99] as never]]) });
    await expectKind(() => verifyCoseSign1(cose, signer.publicKey, crypto), 'unsupported-algorithm');
  });

  it('binds each purpose through external AAD: a signature for one never verifies as another', async () => {
    const cose = await signCoseSign1({ payload, signer, externalAad: utf8('fairway/receipt/1') });
    await expectKind(() => verifyCoseSign1(cose, signer.publicKey, crypto, utf8('fairway/connect/1')), 'bad-signature');
    await expect(verifyCoseSign1(cose, signer.publicKey, crypto, utf8('fairway/receipt/1'))).resolves.toBeTruthy();
  });

  it('refuses a signature that is not 64 bytes and a detached payload', async () => {
    await expectKind(async () => parseCoseSign1(fromHex('d28443a10127a0414140')), 'bad-signature');
    await expectKind(async () => parseCoseSign1(fromHex('d28443a10127a0f65840' + '00'.repeat(64))), 'malformed');
  });
});
