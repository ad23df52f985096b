/**
 * One signing key per store [issue 11 §3]: the database records the first key's public
 * half; a node with another key, a node without the key, and a cluster node asked to mint
 * one all refuse to start — on SQLite and on PostgreSQL. Nothing is written by a refusal.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../broker/db/index.js';
import { createStoreKeyFile, STORE_KEY_FILE, StoreKeyError } from '../../../broker/keys/store-key.js';
import { openStoreData } from '../../../broker/store-data.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-cluster-key-'));
const pgUrl = process.env.FAIRWAY_TEST_PG_URL;
const admin = pgUrl ? openDatabase(pgUrl, { poolMax: 1 }) : undefined;
const schemas: string[] = [];
afterAll(async () => {
  for (const schema of schemas) await sql`drop schema ${sql.id(schema)} cascade`.execute(admin!.db);
  await admin?.close();
  await rm(root, { recursive: true, force: true });
});

let made = 0;
/** A fresh database URL: a new SQLite file, or a new PostgreSQL schema through search_path. */
async function freshDatabase(engine: 'sqlite' | 'postgres'): Promise<string> {
  made++;
  if (engine === 'sqlite') return `sqlite:${join(root, `store-${made}.db`)}`;
  const schema = `fw_key_${process.pid}_${made}_${Date.now().toString(36)}`;
  await sql`create schema ${sql.id(schema)}`.execute(admin!.db);
  schemas.push(schema);
  const url = new URL(pgUrl!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

const exists = (path: string) => stat(path).then(() => true, () => false);
const engines = (pgUrl ? ['sqlite', 'postgres'] : ['sqlite']) as ('sqlite' | 'postgres')[];

describe.each(engines)('the store key on %s', (engine) => {
  it('is recorded by the first process; another key is refused, the same key file is accepted', async () => {
    const databaseUrl = await freshDatabase(engine);
    const nodeA = await mkdtemp(join(root, 'a-'));
    const first = await openStoreData(nodeA, { databaseUrl, nowMs: 1 });
    const kidA = new TextDecoder().decode(first.key.kid);
    await first.close();

    // Node B with its own folder would mint a second key: refused, and no key file appears.
    const nodeB = await mkdtemp(join(root, 'b-'));
    await expect(openStoreData(nodeB, { databaseUrl, nowMs: 2 })).rejects.toThrow(new RegExp(`records store key ${kidA}`));
    expect(await exists(join(nodeB, STORE_KEY_FILE))).toBe(false);

    // Node B with another key file: refused, naming both keys.
    const otherKey = join(root, `other-${engine}.json`);
    await createStoreKeyFile(otherKey, 3);
    const refused = await openStoreData(nodeB, { databaseUrl, storeKeyFile: otherKey, nowMs: 3 }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(StoreKeyError);
    expect(String(refused)).toContain(kidA);

    // Node B with A's key file signs with A's key.
    const same = await openStoreData(nodeB, { databaseUrl, storeKeyFile: join(nodeA, STORE_KEY_FILE), nowMs: 4 });
    expect(same.key.publicKeyHex).toBe(first.key.publicKeyHex);
    await same.close();
  });

  it('a cluster node never mints a key, and a missing key file is named', async () => {
    const databaseUrl = await freshDatabase(engine);
    const node = await mkdtemp(join(root, 'c-'));
    await expect(openStoreData(node, { databaseUrl, mayMintKey: false, nowMs: 1 })).rejects.toThrow(/never creates a store key/);
    expect(await exists(join(node, STORE_KEY_FILE))).toBe(false);
    await expect(openStoreData(node, { databaseUrl, mayMintKey: false, storeKeyFile: join(root, 'nowhere.json'), nowMs: 1 })).rejects.toThrow(/nowhere\.json: no store key there/);
  });
});
