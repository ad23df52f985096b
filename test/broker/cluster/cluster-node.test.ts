/**
 * PostgreSQL-only parts of a cluster node: the start-up clock check against the database
 * (a node 5 s off refuses to start, one 100 ms off starts and reports it), and the lease
 * that lets exactly one node export the cluster-wide gauges.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClockSkewError, measureClockSkew } from '../../../broker/cluster/clock-skew.js';
import { LeaderLease } from '../../../broker/cluster/leader-lease.js';
import { listNodes } from '../../../broker/cluster/node-registry.js';
import { openDatabase } from '../../../broker/db/index.js';
import { startStore } from '../../../broker/store.js';
import { freshSchema, type FreshSchema } from '../../support/pg-schema-url.js';
import { createStoreKeyFile } from '../../../broker/keys/store-key.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { requireBinary } from '../../support/server-binaries.js';

const pgUrl = process.env['FAIRWAY_TEST_PG_URL'];
const hasRedis = requireBinary('redis-server');
const log = pino({ level: 'silent' });

describe.skipIf(!pgUrl || !hasRedis)('cluster node on PostgreSQL', () => {
  let redis: RedisServer;
  let root: string;
  const schemas: FreshSchema[] = [];
  const fresh = async (): Promise<FreshSchema> => {
    const schema = await freshSchema(pgUrl!);
    schemas.push(schema);
    return schema;
  };
  beforeAll(async () => {
    redis = await startRedis();
    root = await mkdtemp(join(tmpdir(), 'fairway-cluster-node-'));
    await createStoreKeyFile(join(root, 'store-key.json'), Date.now());
  });
  afterAll(async () => {
    await redis?.stop();
    for (const s of schemas) await s.drop();
    await rm(root, { recursive: true, force: true });
  });

  const startNode = async (url: string, nodeId: string, offsetMs: number) =>
    startStore({ dataDir: join(root, nodeId), databaseUrl: url, logger: log, clock: { wallMs: () => Date.now() + offsetMs }, cluster: { redisUrl: redis.url, nodeId, storeKeyFile: join(root, 'store-key.json') } });

  it('refuses to start with a clock 5 s ahead of the database, naming the skew', async () => {
    const schema = await fresh();
    const refused = await startNode(schema.url(), 'fast-clock', 5_000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClockSkewError);
    expect((refused as ClockSkewError).skewMs).toBeGreaterThan(4_500);
    expect((refused as Error).message).toMatch(/this node's clock is \d{4} ms ahead of the database's \(limit 1000 ms\)/);
  });

  it('starts with a clock 100 ms off, and records the skew in its row', async () => {
    const schema = await fresh();
    const store = await startNode(schema.url(), 'slightly-slow', -100);
    try {
      expect(store.node?.clockSkewMs).toBeGreaterThan(-200);
      expect(store.node?.clockSkewMs).toBeLessThan(0);
      const [row] = await listNodes(store.database.db, Date.now());
      expect(row).toMatchObject({ nodeId: 'slightly-slow', state: 'ready', status: 'live', mqttPort: store.broker.ports.tcp });
      expect(row!.clockSkewMs).toBeLessThan(0);
      expect(store.node?.isLeader).toBe(true);
    } finally {
      await store.close();
    }
    const handle = openDatabase(schema.url());
    try {
      expect(await listNodes(handle.db, Date.now())).toMatchObject([{ nodeId: 'slightly-slow', state: 'stopped', status: 'gone' }]);
      // The measurement itself: this host against its own database is within a few ms.
      expect(Math.abs((await measureClockSkew(handle.db, 'postgres', () => Date.now())).skewMs)).toBeLessThan(50);
    } finally {
      await handle.close();
    }
  });

  it('grants the gauge lease to one node at a time, per schema, and passes it on when the holder goes', async () => {
    const [one, other] = [await fresh(), await fresh()];
    const leases = [new LeaderLease({ databaseUrl: one.url(), log }), new LeaderLease({ databaseUrl: one.url(), log }), new LeaderLease({ databaseUrl: other.url(), log })];
    try {
      const [a, b, c] = leases as [LeaderLease, LeaderLease, LeaderLease];
      expect(await a.tryAcquire()).toBe(true);
      expect(await b.tryAcquire()).toBe(false);
      expect(await a.tryAcquire()).toBe(true); // holding it does not stack it
      expect(await c.tryAcquire()).toBe(true); // another schema, another cluster
      await a.release();
      expect(await b.tryAcquire()).toBe(true);
      expect(a.isLeader).toBe(false);
    } finally {
      await Promise.all(leases.map((l) => l.release()));
    }
  });
});
