import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateStoreKey, STORE_KEY_FILE, StoreKeyError } from '../../broker/keys/store-key.js';

const dir = await mkdtemp(join(tmpdir(), 'fairway-key-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('store key', () => {
  it('is created once, owner-only, and the same key is loaded afterwards', async () => {
    const first = await loadOrCreateStoreKey(dir, 1);
    const again = await loadOrCreateStoreKey(dir, 2);
    expect(again.publicKeyHex).toBe(first.publicKeyHex);
    expect((await stat(join(dir, STORE_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(new TextDecoder().decode(first.kid)).toMatch(/^store-[0-9a-f]{12}$/);
  });

  it('refuses a damaged key file with a clear error instead of making a new key', async () => {
    const broken = await mkdtemp(join(dir, 'broken-'));
    await writeFile(join(broken, STORE_KEY_FILE), '{"seedHex": "zz"');
    await expect(loadOrCreateStoreKey(broken, 1)).rejects.toThrow(StoreKeyError);
    await writeFile(join(broken, STORE_KEY_FILE), JSON.stringify({ seedHex: 'ab', kid: 'k', createdAtMs: 0 }));
    await expect(loadOrCreateStoreKey(broken, 1)).rejects.toThrow(/seedHex/);
    expect(await readFile(join(broken, STORE_KEY_FILE), 'utf8')).toContain('"ab"');
  });
});
