import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NodeCrypto, NodeSigner } from '../../device/ports/node/index.js';
import { SoftwareCrypto, SoftwareSigner, seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { describeCryptoConformance } from '../../sdk/testing/index.js';
import { ascii, fromHex, toHex } from '../../sdk/testing/bytes.js';
import { expectThrow } from '../../sdk/testing/expect-error.js';

describeCryptoConformance(async () => ({
  crypto: new NodeCrypto(),
  signer: NodeSigner.generate(),
  signerFromSeed: async (seed) => NodeSigner.fromSeed(seed),
}));

/** The order of the Ed25519 group, little-endian: adding it to S keeps the equation but breaks canonical form. */
const GROUP_ORDER_LE = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010');

describe('NodeCrypto and SoftwareCrypto', () => {
  const node = new NodeCrypto();
  const software = new SoftwareCrypto({ randomBytes: seededRandomSource(3) });

  it('derive the same public key and the same signatures from the same seed', async () => {
    for (const seed of [new Uint8Array(32), seededRandomSource(4)(32), seededRandomSource(5)(32)]) {
      const nodeSigner = NodeSigner.fromSeed(seed);
      const softwareSigner = SoftwareSigner.fromSeed(seed);
      expect(toHex(nodeSigner.publicKey)).toBe(toHex(softwareSigner.publicKey));
      for (const message of [new Uint8Array(0), ascii('receipt'), seededRandomSource(6)(1000)]) {
        expect(toHex(await nodeSigner.sign(message))).toBe(toHex(await softwareSigner.sign(message)));
      }
    }
  });

  it('agree on hashes', () => {
    const message = seededRandomSource(7)(5000);
    const [nodeHash, softwareHash] = [node.sha256(), software.sha256()];
    nodeHash.update(message);
    softwareHash.update(message);
    expect(toHex(nodeHash.digest())).toBe(toHex(softwareHash.digest()));
  });

  it('both refuse a signature whose S is not reduced modulo the group order', async () => {
    const signer = SoftwareSigner.fromSeed(seededRandomSource(8)(32));
    const message = ascii('receipt');
    const signature = await signer.sign(message);
    const malleated = signature.slice();
    let carry = 0;
    for (let i = 0; i < 32; i++) {
      const sum = (malleated[32 + i] ?? 0) + (GROUP_ORDER_LE[i] ?? 0) + carry;
      malleated[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(await node.verifyEd25519(signer.publicKey, message, malleated)).toBe(false);
    expect(await software.verifyEd25519(signer.publicKey, message, malleated)).toBe(false);
  });
});

describe('NodeSigner', () => {
  it('signs with a KeyObject it is given', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const signer = NodeSigner.fromKeyObject(privateKey);
    const message = ascii('hello');
    expect(await new NodeCrypto().verifyEd25519(signer.publicKey, message, await signer.sign(message))).toBe(true);
  });

  it('refuses a KeyObject that is not an Ed25519 private key with invalid-argument', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    expectThrow(() => NodeSigner.fromKeyObject(publicKey), 'invalid-argument');
    expectThrow(() => NodeSigner.fromKeyObject(generateKeyPairSync('x25519').privateKey), 'invalid-argument');
    expect(NodeSigner.fromKeyObject(privateKey).publicKey.length).toBe(32);
  });

  it('refuses a seed that is not 32 bytes with invalid-argument', () => {
    expectThrow(() => NodeSigner.fromSeed(new Uint8Array(33)), 'invalid-argument');
  });

  it('returns plain Uint8Arrays, not Buffers', async () => {
    const signer = NodeSigner.generate();
    expect(Object.getPrototypeOf(signer.publicKey)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(await signer.sign(ascii('x')))).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(new NodeCrypto().sha256().digest())).toBe(Uint8Array.prototype);
  });
});
