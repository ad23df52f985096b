/** The operator's `fairway store …` commands, run as a real child process against a real data folder. */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openStoreData } from '../../broker/store-data.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { issueTicket } from '../../broker/directory/tickets.js';
import { checkLogin } from '../../broker/directory/users.js';
import { loadOrCreateStoreKey, STORE_KEY_FILE } from '../../broker/keys/store-key.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { chunkCount, chunkSpan } from '../../sdk/chunks/index.js';
import { manifestArtefact, verifyChunk } from '../../sdk/manifest/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { postgresFactory } from '../broker/db/test-databases.js';
import { crypto } from '../support/keys.js';
import { seed } from '../support/seed.js';
import { toHex } from '../../sdk/vectors/json.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'fairway-store-cli-'));
const data = join(root, 'store');
afterAll(() => rm(root, { recursive: true, force: true }));

async function fairway(args: string[], env: Record<string, string> = {}, dataDir = data): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args, '--data', dataDir], { timeout: 60_000, env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('fairway store (operator commands)', () => {
  it('adds a user with the password from the environment, never the command line, and lists it', async () => {
    expect((await fairway(['store', 'users', 'add', 'alice', '--name', 'Alice', '--age', '31'], { FAIRWAY_PASSWORD: 'pw-from-env' })).code).toBe(0);
    const list = await fairway(['store', 'users', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject([{ id: 'alice', name: 'Alice', age: 31, balanceMinor: 0 }]);
  });

  it('refuses a user without a password, a duplicate user and a bad age, with clear messages', async () => {
    const noPassword = await fairway(['store', 'users', 'add', 'bob'], { FAIRWAY_PASSWORD: '' });
    expect(noPassword.code).toBe(2);
    expect(noPassword.stderr).toContain('--password-file');
    const duplicate = await fairway(['store', 'users', 'add', 'alice'], { FAIRWAY_PASSWORD: 'x' });
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('user alice already exists');
    expect((await fairway(['store', 'users', 'add', 'carol', '--age', 'old'], { FAIRWAY_PASSWORD: 'x' })).code).toBe(2);
  });

  it('enrols a terminal by public key and refuses a malformed key or an unknown user', async () => {
    const key = toHex(NodeSigner.generate().publicKey);
    expect((await fairway(['store', 'terminals', 'enrol', 'hh-1', '--user', 'alice', '--public-key', key])).code).toBe(0);
    expect((await fairway(['store', 'users', 'show', 'alice', '--json'])).stdout).toContain('hh-1');
    const badKey = await fairway(['store', 'terminals', 'enrol', 'hh-2', '--user', 'alice', '--public-key', 'abcd']);
    expect(badKey.code).toBe(2);
    const nobody = await fairway(['store', 'terminals', 'enrol', 'hh-3', '--user', 'nobody', '--public-key', key]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no user nobody');
    expect((await fairway(['store', 'terminals', 'revoke', 'hh-1'])).code).toBe(0);
    expect((await fairway(['store', 'terminals', 'revoke', 'hh-1'])).stderr).toContain('no enrolled device hh-1');
  });

  it('changes a password from a file, deleting the user’s resumption tickets, and refuses an unknown user', async () => {
    const before = await openStoreData(data, { nowMs: Date.now() });
    try {
      await enrolTerminal(before.database.db, { deviceId: 'hh-pw', userId: 'alice', publicKey: NodeSigner.generate().publicKey }, Date.now());
      await issueTicket(before.database.db, { deviceId: 'hh-pw', userId: 'alice' }, Date.now(), crypto);
    } finally {
      await before.close();
    }
    const file = join(root, 'new-password');
    await writeFile(file, 'pw-from-file\nignored second line\n');
    const changed = await fairway(['store', 'users', 'passwd', 'alice', '--password-file', file, '--json']);
    expect(changed.code).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual({ id: 'alice', passwordChanged: true, ticketsRevoked: 1 });
    const after = await openStoreData(data, { nowMs: Date.now() });
    try {
      expect(await checkLogin(after.database.db, 'alice', 'pw-from-file')).toBe(true);
      expect(await checkLogin(after.database.db, 'alice', 'pw-from-env')).toBe(false);
      expect(await after.database.db.selectFrom('login_tickets').selectAll().execute()).toEqual([]);
    } finally {
      await after.close();
    }
    const nobody = await fairway(['store', 'users', 'passwd', 'nobody'], { FAIRWAY_PASSWORD: 'x' });
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('no user nobody');
  });

  it('issues prepaid cards once to a CSV, and never overwrites one', async () => {
    const out = join(root, 'cards.csv');
    expect((await fairway(['store', 'cards', 'issue', '--count', '3', '--value', '1000', '--out', out])).code).toBe(0);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('id,password,value_minor');
    expect(lines).toHaveLength(4);
    const listed = JSON.parse((await fairway(['store', 'cards', 'list', '--json'])).stdout) as { id: string }[];
    expect(listed.map((c) => c.id).sort()).toEqual(lines.slice(1).map((l) => l.split(',')[0]).sort());
    expect(JSON.stringify(listed)).not.toContain(lines[1]!.split(',')[1]!);
    const again = await fairway(['store', 'cards', 'issue', '--count', '1', '--value', '5', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('nothing was issued');
    expect(JSON.parse((await fairway(['store', 'cards', 'list', '--json'])).stdout)).toHaveLength(3);
    expect((await fairway(['store', 'cards', 'issue', '--count', '0', '--value', '5', '--out', join(root, 'x.csv')])).code).toBe(2);
  });

  it('imports a title folder and refuses a broken one naming the file, field and line, importing nothing', async () => {
    const good = join(root, 'golf');
    await mkdir(good, { recursive: true });
    await writeFile(join(good, 'title.yaml'), 'id: golf\nname: Golf\nprovider: Sharp\ncategory: game\nparts:\n  - { id: g1, file: g1.bin, price: 500 }\n');
    await writeFile(join(good, 'g1.bin'), new Uint8Array(5000).fill(7));
    const bad = join(root, 'broken');
    await mkdir(bad, { recursive: true });
    await writeFile(join(bad, 'title.yaml'), 'id: broken\nname: Broken\nprovider: X\ncategory: gmae\nparts:\n  - { id: b1, file: b1.bin, price: 1 }\n');
    const refused = await fairway(['store', 'catalog', 'import', bad]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/title\.yaml:4: category:/);
    expect((await fairway(['store', 'catalog', 'import', good])).code).toBe(0);
    const list = JSON.parse((await fairway(['store', 'catalog', 'list', '--json'])).stdout);
    expect(list).toMatchObject([{ title: 'golf', parts: 1, sizeBytes: 5000, firstPrice: 500 }]);
    const twice = await fairway(['store', 'catalog', 'import', good]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('already in the catalog');
  });

  it('adjusts a balance with a reason, shows it in the ledger, and refuses what would go below zero', async () => {
    const adjusted = await fairway(['store', 'balance', 'adjust', 'alice', '750', '--reason', 'goodwill credit', '--request-id', 'ticket-42', '--json']);
    expect(adjusted.code).toBe(0);
    expect(JSON.parse(adjusted.stdout)).toMatchObject({ balanceMinor: 750, repeated: false });
    const repeated = await fairway(['store', 'balance', 'adjust', 'alice', '750', '--reason', 'goodwill credit', '--request-id', 'ticket-42', '--json']);
    expect(JSON.parse(repeated.stdout)).toMatchObject({ balanceMinor: 750, repeated: true });
    const ledger = JSON.parse((await fairway(['store', 'ledger', '--user', 'alice', '--json'])).stdout) as { kind: string; amountMinor: number; balanceAfterMinor: number }[];
    expect(ledger).toMatchObject([{ kind: 'adjust', amountMinor: 750, balanceAfterMinor: 750 }]);
    const overdrawn = await fairway(['store', 'balance', 'adjust', 'alice', '-751', '--reason', 'mistake']);
    expect(overdrawn.code).toBe(1);
    expect(overdrawn.stderr).toMatch(/fairway: .*750/);
    expect((await fairway(['store', 'balance', 'adjust', 'alice', '10', '--reason', ''])).code).toBe(2);
    expect((await fairway(['store', 'balance', 'adjust', 'alice', '1.5', '--reason', 'cents'])).code).toBe(2);
  });

  it('reports sales by title, part or provider and refuses anything else', async () => {
    const sales = await fairway(['store', 'sales', '--by', 'provider', '--json']);
    expect(sales.code).toBe(0);
    expect(JSON.parse(sales.stdout)).toEqual([]);
    const bad = await fairway(['store', 'sales', '--by', 'colour']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--by must be title, part or provider');
  });

  it('lists seat licences, filtered by user or state, and refuses an unknown state', async () => {
    const all = await fairway(['store', 'licences', '--json']);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual([]);
    expect((await fairway(['store', 'licences', '--state', 'open', '--user', 'alice'])).stdout).toContain('no licences');
    const bad = await fairway(['store', 'licences', '--state', 'lost']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state must be one of open, charged, settled, released');
  });
});

const pgUrl = process.env.FAIRWAY_TEST_PG_URL;

describe.skipIf(!pgUrl)('fairway store with a PostgreSQL database (cluster content)', () => {
  const factory = pgUrl ? postgresFactory(pgUrl) : undefined;
  afterAll(() => factory?.cleanup(), 60_000);
  const nodeA = join(root, 'pg-node-a');
  const nodeB = join(root, 'pg-node-b');
  const parts = [seededRandomSource(seed)(1_500_000), new Uint8Array(30_000).fill(3)];

  /** Every chunk of every catalog part, read on a node's data folder and checked against its manifest. */
  async function readEverything(dataDir: string, databaseUrl: string): Promise<number> {
    // One store key for the cluster: node A's (the import minted it there).
    const node = await openStoreData(dataDir, { databaseUrl, nowMs: Date.now(), storeKeyFile: join(nodeA, STORE_KEY_FILE) });
    try {
      const storeKey = await loadOrCreateStoreKey(nodeA, Date.now());
      const rows = await node.database.db.selectFrom('parts').select(['manifest', 'content_hash']).execute();
      let chunks = 0;
      for (const row of rows) {
        const manifest = (await manifestArtefact.open(new Uint8Array(row.manifest), storeKey.signer.publicKey, crypto)).payload;
        for (let i = 0; i < chunkCount(manifest.size, manifest.chunkBytes); i++, chunks++) {
          const span = chunkSpan(i, manifest.size, manifest.chunkBytes);
          verifyChunk(manifest, i, await node.content.read(row.content_hash, span.offsetBytes, span.lengthBytes), crypto);
        }
      }
      return chunks;
    } finally {
      await node.close();
    }
  }

  it('imports into the database, so a second data folder on the same database serves the title with no content files', async () => {
    const fresh = await factory!.openFresh();
    const title = join(root, 'pg-title');
    await mkdir(title, { recursive: true });
    await writeFile(join(title, 'title.yaml'), 'id: pg-golf\nname: Golf\nprovider: Sharp\ncategory: game\nparts:\n  - { id: pg1, file: a.bin, price: 500 }\n  - { id: pg2, file: b.bin, price: 400 }\n');
    await writeFile(join(title, 'a.bin'), parts[0]!);
    await writeFile(join(title, 'b.bin'), parts[1]!);
    const imported = await fairway(['store', 'catalog', 'import', title, '--db', fresh.url!], {}, nodeA);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(await readEverything(nodeB, fresh.url!)).toBe(Math.ceil(1_500_000 / 16_384) + 2);
    expect(await readdir(join(nodeB, 'content')).catch(() => [])).toEqual([]);

    // An older single-node store had its content in files only: the database has none of it.
    const handle = fresh.open();
    await handle.db.deleteFrom('part_content_complete').execute();
    await handle.db.deleteFrom('part_content').execute();
    const fromB = await fairway(['store', 'content', 'sync', '--db', fresh.url!, '--store-key', join(nodeA, STORE_KEY_FILE), '--json'], {}, nodeB);
    expect(fromB.code).toBe(1);
    expect((JSON.parse(fromB.stdout) as { outcome: string }[]).map((s) => s.outcome)).toEqual(['missing', 'missing']);
    const fromA = await fairway(['store', 'content', 'sync', '--db', fresh.url!], {}, nodeA);
    expect(fromA.code).toBe(0);
    expect(fromA.stdout).toContain('copied 2 parts (1,530,000 bytes), 0 already in the database, 0 missing here, 0 damaged here');
    const again = await fairway(['store', 'content', 'sync', '--db', fresh.url!, '--json'], {}, nodeA);
    expect((JSON.parse(again.stdout) as { outcome: string; parts: string[] }[]).map((s) => [s.parts, s.outcome]).sort()).toEqual([
      [['pg1'], 'present'],
      [['pg2'], 'present'],
    ]);
    expect(await readEverything(nodeB, fresh.url!)).toBe(Math.ceil(1_500_000 / 16_384) + 2);

    // A damaged file is reported and not shared with the other nodes.
    await handle.db.deleteFrom('part_content_complete').execute();
    const hash = (await handle.db.selectFrom('parts').select('content_hash').where('id', '=', 'pg2').executeTakeFirstOrThrow()).content_hash;
    await writeFile(join(nodeA, 'content', hash.slice(0, 2), hash), new Uint8Array(30_000).fill(4));
    const damaged = await fairway(['store', 'content', 'sync', '--db', fresh.url!, '--json'], {}, nodeA);
    expect(damaged.code).toBe(1);
    expect(JSON.parse(damaged.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ parts: ['pg2'], outcome: 'damaged' })]));
    expect(await handle.db.selectFrom('part_content_complete').select('content_hash').where('content_hash', '=', hash).execute()).toEqual([]);
  }, 180_000); // five child processes, each starting the CLI under tsx

  it('refuses a content sync on a SQLite store, whose content stays in files', async () => {
    const refused = await fairway(['store', 'content', 'sync']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('PostgreSQL');
  });
});
