/**
 * The two sides of the CPU comparison, running at the same time so their rounds can alternate:
 * - single: one `fairway store serve --db <pg>` without --redis, on a PostgreSQL schema of its
 *   own (its own data folder and key, as an operator's one-node store has);
 * - cluster: two nodes of a cluster (`serve --db --redis --node-id --store-key`, one Redis, a
 *   schema, the cluster key), made from sim/cluster's building blocks; the load goes to n1, and
 *   n2 runs so that what a node pays for having peers (the $SYS emitter's Redis subscriptions,
 *   shared state) is all there.
 * No balancer: terminals connect to the nodes themselves, and nothing health-checks them — a
 * /readyz check costs a node a database and a Redis round trip every few hundred ms, which the
 * single node, with no balancer, would not pay, and which would count as Redis traffic.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAST_TEST_PARAMS } from '../../../broker/auth/password.js';
import { createStoreKeyFile } from '../../../broker/keys/store-key.js';
import { openStoreData, type StoreData } from '../../../broker/store-data.js';
import { freshClusterDatabase, type ClusterDatabase } from '../../../sim/cluster/cluster-database.js';
import { openClusterStore } from '../../../sim/cluster/cluster-provision.js';
import { NodeLog } from '../../../sim/cluster/node-log.js';
import { ServeProcess } from '../../../sim/cluster/serve-process.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { storeBenchWorld, type BenchWorld } from './bench-world.js';
import type { StreamTarget } from './stream-round.js';

export interface CostSides {
  single: StreamTarget;
  /** n1 of the cluster. */
  cluster: StreamTarget;
  redisUrl: string;
  /** The tiny part's hash in the cluster's database (receipts name it). */
  clusterTinyPartHash: Uint8Array;
  close(): Promise<void>;
}

/** Opens a store, writes the bench world into it, closes it; returns the tiny part's hash. */
async function provision(open: () => Promise<StoreData>, world: BenchWorld): Promise<Uint8Array> {
  const store = await open();
  try {
    return await storeBenchWorld(store, world);
  } finally {
    await store.close();
  }
}

export async function startCostSides(postgresUrl: string, world: BenchWorld, log: (line: string) => void): Promise<CostSides> {
  const root = await mkdtemp(join(tmpdir(), 'fairway-bench-sides-'));
  const databases: ClusterDatabase[] = [];
  const processes: ServeProcess[] = [];
  let redis: RedisServer | undefined;
  const close = async (): Promise<void> => {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await redis?.stop().catch(() => undefined);
    await Promise.allSettled(databases.map((d) => d.drop()));
    await rm(root, { recursive: true, force: true });
  };
  const serve = async (nodeId: string, flags: { databaseUrl: string; redisUrl?: string; storeKeyFile?: string }): Promise<StreamTarget> => {
    const dataDir = join(root, nodeId);
    await mkdir(dataDir, { recursive: true });
    const { proc, mqttPort } = await ServeProcess.start({ nodeId, dataDir, ...flags }, new NodeLog(nodeId), 1);
    processes.push(proc);
    return { port: mqttPort, pid: proc.pid };
  };
  try {
    const singleDb = await freshClusterDatabase(postgresUrl);
    databases.push(singleDb);
    const clusterDb = await freshClusterDatabase(postgresUrl);
    databases.push(clusterDb);
    // The single node's world in its own folder: the key it mints there is the one it serves with.
    await provision(() => openStoreData(join(root, 'single'), { databaseUrl: singleDb.url, passwordParams: FAST_TEST_PARAMS, nowMs: Date.now() }), world);
    // The cluster's from an operator folder of its own, signed with the cluster key file.
    const storeKeyFile = join(root, 'store-key.json');
    await createStoreKeyFile(storeKeyFile, Date.now());
    const clusterTinyPartHash = await provision(() => openClusterStore(join(root, 'operator'), clusterDb.url, storeKeyFile), world);
    redis = await startRedis();
    const cluster = { databaseUrl: clusterDb.url, redisUrl: redis.url, storeKeyFile };
    // All three at once (each start is mostly loading the sources); settled, so close() stops every one that started.
    const started = await Promise.allSettled([serve('single', { databaseUrl: singleDb.url }), serve('n1', cluster), serve('n2', cluster)]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [single, n1] = started.map((s) => (s as PromiseFulfilledResult<StreamTarget>).value) as [StreamTarget, StreamTarget];
    log(`single node pid ${single.pid} on port ${single.port}; cluster n1 pid ${n1.pid} on port ${n1.port} (n2 running), Redis ${redis.url}`);
    return { single, cluster: n1, redisUrl: redis.url, clusterTinyPartHash, close };
  } catch (error) {
    await close();
    throw error;
  }
}
