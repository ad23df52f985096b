/**
 * `fairway store serve --redis …` as operators run a cluster [issue 11 §4]: real processes on
 * one PostgreSQL schema and a real Redis — health and readiness on the metrics port, the node
 * label and the once-per-cluster gauges, `fairway store nodes`, a database that vanishes or
 * hangs, the SIGTERM drain with real terminals, and the start-up refusals.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { listNodes, type NodeView } from '../../broker/cluster/node-registry.js';
import { openDatabase } from '../../broker/db/index.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { freshSchema, type FreshSchema } from '../support/pg-schema-url.js';
import { createStoreKeyFile } from '../../broker/keys/store-key.js';
import { startRedis, type RedisServer } from '../../sim/servers/redis.js';
import { requireBinary } from '../support/server-binaries.js';
import { runFairway, startServe, type ServeProcess } from '../support/serve-process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { TestTerminal } from '../support/terminal-client.js';

const pgUrl = process.env['FAIRWAY_TEST_PG_URL'];
const hasRedis = requireBinary('redis-server');
const root = await mkdtemp(join(tmpdir(), 'fairway-cluster-cli-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fairway store serve: cluster flags refused before anything starts', () => {
  it('refuses --redis without PostgreSQL, a bad node id, cluster-only flags without --redis, a bad batch', { timeout: 120_000 }, async () => {
    const data = join(root, 'refused');
    const cases: [string[], string][] = [
      [['--redis', 'redis://127.0.0.1:6379'], '--redis (cluster mode) needs --db postgres://'],
      [['--db', `sqlite:${join(root, 'x.db')}`, '--redis', 'redis://127.0.0.1:6379'], '--redis (cluster mode) needs --db postgres://'],
      [['--db', 'postgres://u@127.0.0.1/x', '--redis', 'redis://127.0.0.1:6379', '--node-id', 'no spaces please'], '--node-id must be 1–64 of'],
      [['--node-id', 'n1'], '--node-id is for cluster mode: add --redis'],
      [['--drain-batch', '0%'], '--drain-batch must be'],
    ];
    const results = await Promise.all(cases.map(([args]) => runFairway(['store', 'serve', '--data', data, ...args])));
    results.forEach((result, i) => {
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(cases[i]![1]);
    });
  });

  it('`store nodes` on a folder with no store says so and leaves nothing behind; a bad interval is refused', { timeout: 60_000 }, async () => {
    const missing = join(root, 'no-store-here');
    const none = await runFairway(['store', 'nodes', '--data', missing]);
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toContain(`no store database at ${join(missing, 'store.db')}`);
    expect(existsSync(missing)).toBe(false);
    const badInterval = await runFairway(['store', 'nodes', '--data', missing, '--heartbeat-ms', 'often']);
    expect(badInterval.code).toBe(2);
    expect(badInterval.stderr).toContain('--heartbeat-ms must be a whole number');
  });
});

describe.skipIf(!pgUrl || !hasRedis)('fairway store serve --redis (PostgreSQL and Redis)', { timeout: 180_000 }, () => {
  let redis: RedisServer;
  const schemas: FreshSchema[] = [];
  const running: ServeProcess[] = [];
  /** One store key for every node, as a cluster must have (nodes never mint one). */
  const storeKey = join(root, 'cluster-store-key.json');
  beforeAll(async () => {
    redis = await startRedis();
    await createStoreKeyFile(storeKey, Date.now());
  });
  afterAll(async () => {
    for (const p of running) p.kill();
    await Promise.all(running.map((p) => p.exited));
    await redis?.stop();
    for (const s of schemas) await s.drop();
  });

  const fresh = async (): Promise<FreshSchema> => {
    const s = await freshSchema(pgUrl!);
    schemas.push(s);
    return s;
  };
  const node = async (data: string, db: string, nodeId: string, extra: string[] = []): Promise<ServeProcess> => {
    const p = await startServe(['--data', data, '--db', db, '--redis', redis.url, '--node-id', nodeId, '--store-key', storeKey, '--port', '0', '--metrics-port', '0', '--heartbeat-ms', '300', ...extra]);
    running.push(p);
    return p;
  };
  const nodesTable = async (data: string, db: string): Promise<NodeView[]> => {
    const result = await runFairway(['store', 'nodes', '--data', data, '--db', db, '--heartbeat-ms', '300', '--json']);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as NodeView[];
  };

  it('refuses to start when the clock is further from the database than allowed', async () => {
    const schema = await fresh();
    const result = await runFairway(['store', 'serve', '--data', join(root, 'skew'), '--db', schema.url(), '--redis', redis.url, '--node-id', 'skewed', '--store-key', storeKey, '--port', '0', '--max-clock-skew-ms', '0']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fairway: this node's clock is \d+ ms (ahead of|behind) the database's \(limit 0 ms\)/);
  });

  it('two nodes: ready, labelled, one exports the cluster gauges, and `store nodes` sees one go', async () => {
    const schema = await fresh();
    const data = join(root, 'pair');
    const a = await node(data, schema.url(), 'node-a', ['--drain-delay-ms', '0']);
    const b = await node(data, schema.url(), 'node-b', ['--drain-delay-ms', '0']);
    const pair = [a, b] as const;

    for (const p of pair) {
      expect((await p.get('/healthz')).status).toBe(200);
      const ready = await p.get('/readyz');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toMatchObject({ ready: true, failed: [], checks: { database: { ok: true }, migrations: { ok: true }, content: { ok: true }, redis: { ok: true }, draining: { ok: true } } });
    }
    const scrapes = await Promise.all(pair.map(async (p) => (await p.get('/metrics')).body));
    expect(scrapes[0]).toMatch(/^fairway_connected_terminals\{node="node-a"\} 0$/m);
    expect(scrapes[1]).toMatch(/^fairway_connected_terminals\{node="node-b"\} 0$/m);
    expect(scrapes[1]).toMatch(/^fairway_clock_skew_ms\{node="node-b"\} -?\d+$/m);
    const exporting = scrapes.map((text) => /^fairway_active_transfers\{/m.test(text));
    expect(exporting.filter(Boolean)).toHaveLength(1);

    const listed = await nodesTable(data, schema.url());
    expect(listed.map((n) => [n.nodeId, n.status, n.state, n.mqttPort])).toEqual([
      ['node-a', 'live', 'ready', a.mqtt],
      ['node-b', 'live', 'ready', b.mqtt],
    ]);

    // The exporter dies without a word: the other takes the gauges over, and the dead one is gone.
    const [dead, survivor] = exporting[0] ? [a, b] : [b, a];
    dead.child.kill('SIGKILL');
    await dead.exited;
    await until('the survivor to export the cluster gauges', async () => (/^fairway_active_transfers\{/m.test((await survivor.get('/metrics')).body) ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_000)); // more than 3 heartbeats of 300 ms
    const deadId = dead === a ? 'node-a' : 'node-b';
    const aliveId = dead === a ? 'node-b' : 'node-a';
    const human = await runFairway(['store', 'nodes', '--data', data, '--db', schema.url(), '--heartbeat-ms', '300']);
    expect(human.stdout).toMatch(/^node\s+status\s+state\s+host\s+mqtt\s+connections\s+transfers\s+skew ms\s+age\s+last heartbeat$/m);
    // Live ones first; the dead one never said goodbye, so its state is still `ready`.
    expect(human.stdout).toMatch(new RegExp(`^${aliveId}\\s+live\\s+ready\\s[^]*^${deadId}\\s+gone\\s+ready\\s`, 'm'));

    survivor.child.kill('SIGTERM');
    expect(await survivor.exited).toBe(0);
    const db = openDatabase(schema.url());
    try {
      expect((await listNodes(db.db, Date.now(), 300)).map((n) => [n.nodeId, n.status, n.state])).toEqual([
        [deadId, 'gone', 'ready'],
        [aliveId, 'gone', 'stopped'],
      ].sort());
    } finally {
      await db.close();
    }
  });

  it('is not ready, naming the check, when Redis hangs or the database hangs or goes away — and stays alive', async () => {
    const schema = await fresh();
    const target = new URL(pgUrl!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    try {
      const p = await node(join(root, 'db-gone'), schema.url({ host: '127.0.0.1', port: proxy.port }), 'flaky-db');
      expect((await p.get('/readyz')).status).toBe(200);

      redis.pause();
      try {
        const noRedis = await p.get('/readyz');
        expect(noRedis.status).toBe(503);
        expect(JSON.parse(noRedis.body)).toMatchObject({ failed: ['redis'], checks: { redis: { ok: false, error: expect.stringMatching(/timed out/) } } });
      } finally {
        redis.resume();
      }
      await until('readyz to recover with Redis', async () => ((await p.get('/readyz')).status === 200 ? true : undefined));

      proxy.freeze();
      const started = Date.now();
      const hung = await p.get('/readyz');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(hung.status).toBe(503);
      const hungReport = JSON.parse(hung.body) as { failed: string[]; checks: Record<string, { error?: string }> };
      expect(hungReport.failed).toContain('database');
      expect(hungReport.checks['database']!.error).toContain('timed out after 1000 ms');

      await proxy.cut();
      const gone = await until('readyz to report the database unreachable', async () => {
        const r = await p.get('/readyz');
        const report = JSON.parse(r.body) as { failed: string[]; checks: Record<string, { error?: string }> };
        return r.status === 503 && !report.checks['database']!.error!.includes('timed out') ? report : undefined;
      });
      expect(gone.failed).toContain('database');
      expect((await p.get('/healthz')).status).toBe(200);
      p.kill();
    } finally {
      await proxy.close();
    }
  });

  it('drains on SIGTERM: not ready at once, serving through the delay, then terminals closed in batches', async () => {
    const schema = await fresh();
    const data = join(root, 'drain');
    const p = await node(data, schema.url(), 'drainer', ['--drain-delay-ms', '1500', '--drain-batch', '3']);
    const db = openDatabase(schema.url());
    try {
      await addUser(db.db, { id: 'ann', password: 'ann-pw' }, Date.now(), FAST_TEST_PARAMS);
      const terminals: TestTerminal[] = [];
      for (let i = 0; i < 8; i++) {
        const key = NodeSigner.generate();
        await enrolTerminal(db.db, { deviceId: `hh-${i}`, userId: 'ann', publicKey: key.publicKey }, Date.now());
        terminals.push(await TestTerminal.connect(p.mqtt, `hh-${i}`, key));
      }
      const closedAt: number[] = [];
      let firstClose!: () => void;
      const someClosed = new Promise<void>((resolve) => (firstClose = resolve));
      for (const t of terminals) t.client.once('close', () => (closedAt.push(Date.now()), firstClose()));
      const asker = terminals[0]!;
      expect(await asker.request({ t: 'login', user: 'ann', password: 'ann-pw' })).toMatchObject({ t: 'login.ok' });

      const sigtermAt = Date.now();
      p.child.kill('SIGTERM');
      const notReadyAt = await until('readyz to turn 503', async () => ((await p.get('/readyz')).status === 503 ? Date.now() : undefined));
      expect(notReadyAt - sigtermAt).toBeLessThan(1_000);
      const [row] = await listNodes(db.db, Date.now(), 300);
      expect(row).toMatchObject({ nodeId: 'drainer', state: 'draining', status: 'live' });

      // Still serving while the balancer notices.
      expect(await asker.request({ t: 'menu.get' })).toMatchObject({ t: 'menu' });
      expect(closedAt).toEqual([]);

      // Once the batches start, nobody new gets in.
      await someClosed;
      const key = NodeSigner.generate();
      await enrolTerminal(db.db, { deviceId: 'late', userId: 'ann', publicKey: key.publicKey }, Date.now());
      await expect(TestTerminal.connect(p.mqtt, 'late', key)).rejects.toThrow();

      expect(await p.exited).toBe(0);
      expect(closedAt).toHaveLength(8);
      const first = Math.min(...closedAt);
      expect(first).toBeGreaterThan(notReadyAt);
      expect(first - sigtermAt).toBeGreaterThanOrEqual(1_400);
      // Batches: closes within one batch come together, batches come ~200 ms apart.
      const sorted = [...closedAt].sort((x, y) => x - y);
      const batches: number[][] = [];
      for (const at of sorted) {
        const last = batches.at(-1);
        if (last && at - last[0]! < 100) last.push(at);
        else batches.push([at]);
      }
      expect(batches.map((b) => b.length)).toEqual([3, 3, 2]);
      expect((await listNodes(db.db, Date.now(), 300))[0]).toMatchObject({ state: 'stopped', status: 'gone' });
    } finally {
      await db.close();
    }
  });
});
