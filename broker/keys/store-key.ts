/**
 * The store's Ed25519 signing key, which signs every manifest. A single node creates it on
 * first start in the data folder (owner-only file) and loads it after; terminals are
 * provisioned with its public key. A cluster never mints one: every node loads the same file
 * (`--store-key`), and the database records its public half (key-registry.ts). The key id
 * (kid) names it in each COSE_Sign1 so a store can rotate keys later.
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

export function storeKeyPath(dataDir: string): string {
  return join(dataDir, STORE_KEY_FILE);
}

/** Writes a new key file; never overwrites one (another process may have just created it). */
export async function createStoreKeyFile(path: string, nowMs: number): Promise<void> {
  const seed = randomBytes(32);
  const signer = NodeSigner.fromSeed(new Uint8Array(seed));
  const kid = `store-${toHex(signer.publicKey).slice(0, 12)}`;
  try {
    await writeFile(path, `${JSON.stringify({ seedHex: seed.toString('hex'), kid, createdAtMs: nowMs }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StoreKeyError(`${path}: a store key is already there; refusing to replace it (every terminal trusts it)`);
    throw new StoreKeyError(`${path}: cannot write the store key: ${(e as Error).message}`);
  }
}

/** Loads a key file; undefined when there is none at `path`. */
export async function readStoreKeyFile(path: string): Promise<StoreKey | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StoreKeyError(`${path}: cannot read the store key: ${(e as Error).message}`);
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

export async function loadOrCreateStoreKey(dataDir: string, nowMs: number): Promise<StoreKey> {
  const path = storeKeyPath(dataDir);
  const existing = await readStoreKeyFile(path);
  if (existing) return existing;
  await createStoreKeyFile(path, nowMs).catch((e: unknown) => {
    // Lost a race with another process creating it: load theirs.
    if (!(e instanceof StoreKeyError && /already there/.test(e.message))) throw e;
  });
  const created = await readStoreKeyFile(path);
  if (!created) throw new StoreKeyError(`${path}: the store key vanished right after it was written`);
  return created;
}
