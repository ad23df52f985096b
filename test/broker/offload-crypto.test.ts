import { afterAll, describe, expect, it } from 'vitest';
import { OffloadCrypto } from '../../broker/crypto/offload-crypto.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { describeCryptoConformance } from '../../sdk/testing/index.js';

const made: OffloadCrypto[] = [];
afterAll(() => Promise.all(made.map((c) => c.close())));

// The store's worker-thread Crypto is a Crypto like any port's: it passes the same kit.
describeCryptoConformance(async () => {
  const crypto = new OffloadCrypto();
  made.push(crypto);
  return { crypto, signer: NodeSigner.generate(), signerFromSeed: async (seed: Uint8Array) => NodeSigner.fromSeed(seed), cleanup: () => crypto.close() };
});

describe('offloaded verification', () => {
  it('answers a burst of verifications, each with its own verdict', async () => {
    const crypto = new OffloadCrypto();
    made.push(crypto);
    const signer = NodeSigner.generate();
    const messages = Array.from({ length: 200 }, (_, i) => new TextEncoder().encode(`m${i}`));
    const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
    signatures[7] = new Uint8Array(64);
    const verdicts = await Promise.all(messages.map((m, i) => crypto.verifyEd25519(signer.publicKey, m, signatures[i]!)));
    expect(verdicts.filter((v) => !v)).toHaveLength(1);
    expect(verdicts[7]).toBe(false);
  });

  it('keeps answering on this thread after its worker is gone', async () => {
    const crypto = new OffloadCrypto();
    const signer = NodeSigner.generate();
    const message = new Uint8Array([1, 2, 3]);
    await crypto.close();
    expect(await crypto.verifyEd25519(signer.publicKey, message, await signer.sign(message))).toBe(true);
  });
});
