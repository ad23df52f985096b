/**
 * The store's Ed25519 signing key, which signs every manifest. Created on first start in the
 * data folder (owner-only file) and loaded after; terminals are provisioned with its public
 * key. The key id (kid) names it in each COSE_Sign1 so a store can rotate keys later.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { NodeSigner } from '../../device/ports/node/index.js';
import { fromHex, toHex } from '../../sdk/vectors/json.js';

export const STORE_KEY_FILE = 'store-key.json';

const StoreKeyFile = z.strictObject({
  seedHex: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  kid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  createdAtMs: z.number().int().min(0),
});

export interface StoreKey {
  signer: NodeSigner;
  kid: Uint8Array;
  publicKeyHex: string;
}

export class StoreKeyError extends Error {
  override readonly name = 'StoreKeyError';
}

export async function loadOrCreateStoreKey(dataDir: string, nowMs: number): Promise<StoreKey> {
  const path = join(dataDir, STORE_KEY_FILE);
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreKeyError(`${path}: cannot read the store key: ${(e as Error).message}`);
  }
  if (text === undefined) {
    const seed = randomBytes(32);
    const signer = NodeSigner.fromSeed(new Uint8Array(seed));
    const kid = `store-${toHex(signer.publicKey).slice(0, 12)}`;
    // 'wx': never overwrite a key another process created in the meantime.
    await writeFile(path, `${JSON.stringify({ seedHex: seed.toString('hex'), kid, createdAtMs: nowMs }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    return loadOrCreateStoreKey(dataDir, nowMs);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new StoreKeyError(`${path}: not JSON; restore it from backup (every terminal trusts this key)`);
  }
  const parsed = StoreKeyFile.safeParse(json);
  if (!parsed.success) throw new StoreKeyError(`${path}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
  const signer = NodeSigner.fromSeed(fromHex(parsed.data.seedHex));
  return { signer, kid: new TextEncoder().encode(parsed.data.kid), publicKeyHex: toHex(signer.publicKey) };
}
