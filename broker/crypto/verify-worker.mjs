// Ed25519 verification on another core for the store (see offload-crypto.ts). Plain
// JavaScript so it runs in a worker thread without the TypeScript loader. Each message is a
// batch: [{ id, publicKey, message, signature }] → [{ id, ok }].
import { createPublicKey, verify } from 'node:crypto';
import { parentPort } from 'node:worker_threads';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_CACHE_ENTRIES = 4096;
const keys = new Map();

function keyObject(publicKey) {
  const id = Buffer.from(publicKey).toString('latin1');
  let key = keys.get(id);
  if (key) {
    keys.delete(id);
  } else {
    key = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
    if (keys.size >= KEY_CACHE_ENTRIES) keys.delete(keys.keys().next().value);
  }
  keys.set(id, key);
  return key;
}

parentPort.on('message', (batch) => {
  const answers = batch.map(({ id, publicKey, message, signature }) => {
    if (publicKey.length !== 32 || signature.length !== 64) return { id, ok: false };
    try {
      return { id, ok: verify(null, message, keyObject(publicKey), signature) };
    } catch {
      return { id, ok: false };
    }
  });
  parentPort.postMessage(answers);
});
