/**
 * A real Fairway cluster for tests and benchmarks [issue 11]: one Redis (sim/servers/redis.ts),
 * one PostgreSQL schema (cluster-database.ts), one cluster store key, N `fairway store serve`
 * processes (serve-process.ts), each with its own data folder, and HAProxy in front
 * (sim/servers/haproxy.ts) checking each node's /readyz. Terminals connect to `port`
 * (HAProxy); a test reaches one node directly at `node.mqttPort`.
 *
 * The faults a test needs, by node: `kill9` (a crash), `restart` (same node id, data folder
 * and ports, so HAProxy's configuration stays valid), `pause`/`resume` (SIGSTOP/SIGCONT: a
 * hung node whose connections stay open). `stop()` ends every process and removes every
 * folder and the schema, also after a failed start; the processes die with the test process
 * anyway (serve-process.ts, sim/servers/owned-process.ts).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreKeyFile } from '../../broker/keys/store-key.js';
import type { StoreData } from '../../broker/store-data.js';
import { startHaproxy, type HaproxyServer } from '../servers/haproxy.js';
import type { PostgresServer } from '../servers/postgres.js';
import { startRedis, type RedisServer } from '../servers/redis.js';
import { freshClusterDatabase, ownClusterDatabase, type ClusterDatabase } from './cluster-database.js';
import { openClusterStore, provisionWorld, type ClusterWorld } from './cluster-provision.js';
import { NodeLog, type LogLine } from './node-log.js';
import { ServeProcess } from './serve-process.js';

export interface ClusterHarnessOptions {
  /** Serve processes; default 3. */
  nodes?: number;
  /**
   * Where the cluster's schema is made: a server's URL (default $FAIRWAY_TEST_PG_URL), or
   * 'own-server' for a throw-away PostgreSQL of its own (cluster-database.ts says when).
   */
  postgres?: string | 'own-server';
  /** Users, terminals, credit and titles, written before the nodes start. */
  world?: ClusterWorld;
  /** Node log level; default info (the proof reads info lines). */
  logLevel?: string;
  /** More flags for every `serve`. */
  serveArgs?: readonly string[];
  /** HAProxy health checks: every `checkIntervalMs` (default 300), `fall`/`rise` in a row (default 2). */
  balancer?: { checkIntervalMs?: number; fall?: number; rise?: number };
  /** For each node's start; default 60 s (tsx compiles the sources on a cold cache). */
  startTimeoutMs?: number;
}

export type NodeState = 'running' | 'paused' | 'killed' | 'stopped';

export interface ClusterNode {
  readonly id: string;
  readonly dataDir: string;
  readonly mqttPort: number;
  readonly metricsPort: number;
  readonly state: NodeState;
  /** Processes this node has had: 1, then one more per restart. */
  readonly incarnations: number;
  /** Everything it logged, all incarnations. */
  readonly log: NodeLog;
}

export interface Cluster {
  readonly root: string;
  /** HAProxy's port: where terminals connect. */
  readonly port: number;
  readonly nodes: readonly ClusterNode[];
  readonly redis: RedisServer;
  readonly balancer: HaproxyServer;
  readonly databaseUrl: string;
  /** The cluster's own PostgreSQL server, with `postgres: 'own-server'`. */
  readonly postgresServer: PostgresServer | undefined;
  readonly storeKeyFile: string;
  readonly storePublicKey: Uint8Array;
  /** How long each start-up step took, ms (database, world, redis, nodes, balancer): where a slow start went. */
  readonly startupMs: Readonly<Record<string, number>>;
  node(id: string): ClusterNode;
  kill9(node: ClusterNode): Promise<void>;
  restart(node: ClusterNode): Promise<void>;
  pause(node: ClusterNode): void;
  resume(node: ClusterNode): void;
  /** Resolves once HAProxy reports each named node in the given state ('UP' or 'DOWN'); default: every node UP. */
  waitForBalancer(expected?: Readonly<Record<string, 'UP' | 'DOWN'>>, timeoutMs?: number): Promise<void>;
  /** The cluster's store, open in this process (its own scratch folder) until stop(): for assertions and more setup. */
  withStore<T>(work: (store: StoreData) => Promise<T>): Promise<T>;
  /** Every node's lines, all incarnations, in arrival order per node. */
  logs(): LogLine[];
  stop(): Promise<void>;
}

class Node implements ClusterNode {
  proc: ServeProcess | undefined;
  mqttPort = 0;
  metricsPort = 0;
  incarnations = 0;
  paused = false;
  stopped = false;
  readonly log: NodeLog;

  constructor(
    readonly id: string,
    readonly dataDir: string,
  ) {
    this.log = new NodeLog(id);
  }

  get state(): NodeState {
    if (this.stopped) return 'stopped';
    if (!this.proc?.running) return 'killed';
    return this.paused ? 'paused' : 'running';
  }
}

export async function startCluster(options: ClusterHarnessOptions = {}): Promise<Cluster> {
  const postgres = options.postgres ?? process.env['FAIRWAY_TEST_PG_URL'];
  if (!postgres) throw new Error("a cluster needs PostgreSQL: set FAIRWAY_TEST_PG_URL, or pass postgres (a URL or 'own-server')");
  const root = await mkdtemp(join(tmpdir(), 'fairway-cluster-'));
  const nodes: Node[] = [];
  let database: ClusterDatabase | undefined;
  let redis: RedisServer | undefined;
  let balancer: HaproxyServer | undefined;
  let stopping: Promise<void> | undefined;

  const stopAll = (): Promise<void> =>
    (stopping ??= (async () => {
      // Every step runs whatever failed before it: a failed stop must not leave the rest behind.
      const errors: unknown[] = [];
      const attempt = async (step: () => Promise<unknown>) => step().catch((e: unknown) => errors.push(e));
      await Promise.all(
        nodes.map((n) =>
          attempt(async () => {
            n.stopped = true;
            await n.proc?.stop();
          }),
        ),
      );
      await attempt(async () => balancer?.stop());
      await attempt(async () => redis?.stop());
      await attempt(async () => operatorStore?.close());
      await attempt(async () => database?.drop());
      await attempt(() => rm(root, { recursive: true, force: true }));
      if (errors.length > 0) throw new AggregateError(errors, `stopping the cluster in ${root} failed`);
    })());

  const startNode = async (node: Node, ports: { port?: number; metricsPort?: number }): Promise<void> => {
    const incarnation = node.incarnations + 1;
    const started = await ServeProcess.start(
      {
        nodeId: node.id,
        dataDir: node.dataDir,
        databaseUrl: database!.url,
        redisUrl: redis!.url,
        storeKeyFile,
        ...ports,
        ...(options.logLevel ? { logLevel: options.logLevel } : {}),
        ...(options.serveArgs ? { extraArgs: options.serveArgs } : {}),
      },
      node.log,
      incarnation,
      options.startTimeoutMs,
    );
    node.incarnations = incarnation;
    node.proc = started.proc;
    node.mqttPort = started.mqttPort;
    node.metricsPort = started.metricsPort;
    node.paused = false;
  };

  const storeKeyFile = join(root, 'store-key.json');
  // One in-process store for the cluster's life: opened (and migrated) once, before the nodes.
  // Opening it again per assertion would run the migrator each time, and Kysely's migrator
  // scans every schema of the database, which fails when another test drops its schema
  // meanwhile (on a shared test server, often).
  let operatorStore: StoreData | undefined;
  const withStore = async <T>(work: (store: StoreData) => Promise<T>): Promise<T> => {
    if (stopping) throw new Error('the cluster is stopped');
    return work(operatorStore!);
  };
  const backends = () => nodes.map((n) => ({ name: n.id, port: n.mqttPort, metricsPort: n.metricsPort }));

  const startupMs: Record<string, number> = {};
  const timed = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      startupMs[step] = Math.round(performance.now() - started);
    }
  };

  try {
    // Independent of each other: PostgreSQL and Redis start side by side.
    const [databaseStart, redisStart] = await Promise.allSettled([
      timed('database', () => (postgres === 'own-server' ? ownClusterDatabase() : freshClusterDatabase(postgres))),
      timed('redis', () => startRedis()),
    ]);
    // Kept before throwing, so that stop() cleans up whichever one did start.
    if (databaseStart.status === 'fulfilled') database = databaseStart.value;
    if (redisStart.status === 'fulfilled') redis = redisStart.value;
    if (databaseStart.status === 'rejected') throw databaseStart.reason;
    if (redisStart.status === 'rejected') throw redisStart.reason;
    const clusterDatabase = databaseStart.value;
    const redisServer = redisStart.value;
    await createStoreKeyFile(storeKeyFile, Date.now());
    // The world goes in before any node starts: the first open migrates and records the key.
    const storePublicKey = await timed('world', async () => {
      operatorStore = await openClusterStore(join(root, 'operator'), clusterDatabase.url, storeKeyFile);
      await provisionWorld(operatorStore, options.world ?? {});
      return operatorStore.key.signer.publicKey;
    });
    for (let i = 1; i <= (options.nodes ?? 3); i++) {
      const node = new Node(`n${i}`, join(root, `n${i}`));
      await mkdir(node.dataDir);
      nodes.push(node);
    }
    // In parallel: each start is mostly tsx loading the sources, which the cores share anyway.
    await timed('nodes', () => Promise.all(nodes.map((n) => startNode(n, {}))));
    balancer = await timed('balancer', () =>
      startHaproxy({
        backends: backends(),
        checkIntervalMs: options.balancer?.checkIntervalMs ?? 300,
        fall: options.balancer?.fall ?? 2,
        rise: options.balancer?.rise ?? 2,
      }),
    );
    const haproxy = balancer;

    const cluster: Cluster = {
      root,
      port: haproxy.port,
      nodes,
      redis: redisServer,
      balancer: haproxy,
      databaseUrl: clusterDatabase.url,
      postgresServer: clusterDatabase.server,
      storeKeyFile,
      storePublicKey,
      startupMs,

      node(id) {
        const found = nodes.find((n) => n.id === id);
        if (!found) throw new Error(`no node ${id} in this cluster (${nodes.map((n) => n.id).join(', ')})`);
        return found;
      },

      async kill9(node) {
        await own(node).proc?.kill9();
      },

      async restart(node) {
        const n = own(node);
        if (n.proc?.running) throw new Error(`${n.id} is still running: kill9 it first`);
        try {
          await startNode(n, { port: n.mqttPort, metricsPort: n.metricsPort });
        } catch (e) {
          // Someone took a port while the node was down: start on fresh ones and tell HAProxy.
          if (!/EADDRINUSE/.test(String(e))) throw e;
          await startNode(n, {});
          await haproxy.setServers(backends());
        }
      },

      pause(node) {
        const n = own(node);
        n.proc?.pause();
        n.paused = true;
      },

      resume(node) {
        const n = own(node);
        n.proc?.resume();
        n.paused = false;
      },

      async waitForBalancer(expected, timeoutMs = 30_000) {
        const want = expected ?? Object.fromEntries(nodes.map((n) => [n.id, 'UP' as const]));
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const states = await haproxy.serverStates();
          const seen = Object.fromEntries(states.map((s) => [s.name, s.status]));
          if (Object.entries(want).every(([name, status]) => seen[name] === status)) return;
          if (Date.now() > deadline) throw new Error(`HAProxy did not see ${JSON.stringify(want)} within ${timeoutMs} ms; it sees ${JSON.stringify(seen)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },

      withStore,
      logs: () => nodes.flatMap((n) => n.log.lines),
      stop: stopAll,
    };

    function own(node: ClusterNode): Node {
      const n = nodes.find((x) => x === node);
      if (!n) throw new Error(`${node.id} is not a node of this cluster`);
      return n;
    }

    await timed('balancerUp', () => cluster.waitForBalancer());
    return cluster;
  } catch (e) {
    await stopAll().catch(() => undefined);
    throw e;
  }
}
