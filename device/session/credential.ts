/**
 * A fresh CONNECT credential for every attempt [FW-2.3]: a new nonce and the current wall
 * clock, signed with the device key, because the store refuses a replayed nonce.
 */
import type { Clock } from '../../sdk/hal/clock.js';
import type { Crypto, Signer } from '../../sdk/hal/crypto.js';
import { credentialArtefact } from '../../sdk/receipt/index.js';

const utf8 = new TextEncoder();

export async function makeCredential(deviceId: string, signer: Signer, crypto: Crypto, clock: Clock): Promise<Uint8Array> {
  return credentialArtefact.sign({ v: 1, device: deviceId, time: clock.wallMs(), nonce: crypto.randomBytes(16) }, signer, utf8.encode(deviceId));
}
