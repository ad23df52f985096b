/**
 * One store process: the database (SQLite file in the data folder by default, PostgreSQL by
 * URL), the store key, the content store, the store service, and the broker in front of it.
 * `fairway store serve` and the simulator's embedded store both start it through here.
 */
import { pino, type Logger } from 'pino';
import { FairwayError } from '../sdk/errors.js';
import { RedisSharedState } from './cluster/redis-state.js';
import { OffloadCrypto } from './crypto/offload-crypto.js';
import { NodeCrypto } from '../device/ports/node/crypto.js';
import type { ScryptParams } from './auth/password.js';
import type { ContentStore } from './catalog/content-store.js';
import { ClusterNode } from './cluster/cluster-node.js';
import type { DatabaseHandle } from './db/index.js';
import { findTerminal } from './directory/terminals.js';
import type { StoreKey } from './keys/store-key.js';
import { openStoreData } from './store-data.js';
import type { LedgerContext } from './ledger/context.js';
import { createBroker, type Broker, type BrokerOptions } from './server.js';
import type { StoreConfig, StoreEvent } from './service/store-context.js';
import { EXPIRY_SWEEP_MS, StoreService } from './service/store-service.js';
import { SweepGate } from './cluster/sweep-gate.js';
import { SysEmitter } from './cluster/sys-emitter.js';

export interface StoreOptions {
  dataDir: string;
  /** `postgres://…` or `sqlite:<path>`; default: `sqlite:<dataDir>/store.db`. */
  databaseUrl?: string;
  host?: string;
  port?: number;
  tls?: BrokerOptions['tls'];
  wsPort?: number;
  allowAnonymous?: boolean;
  logger?: Logger;
  clock?: { wallMs(): number };
  /** scrypt cost for card passwords; tests pass the fast parameters. */
  passwordParams?: ScryptParams;
  config?: Partial<StoreConfig>;
  drainTimeoutMs?: number;
  /** Connection caps, in all and per source address (broker/transport/connection-caps.ts). */
  maxConnections?: number;
  maxConnectionsPerSource?: number;
  /** CONNECTs authenticated at once; more are answered CONNACK 3 at once (default 512). */
  maxPendingConnects?: number;
  /**
   * Where Ed25519 verification runs: a worker thread (default, for throughput) or this thread
   * (the simulator: work that lands at a real-time moment would break its determinism).
   */
  verifyOn?: 'worker' | 'this-thread';
  /** Serve part content from memory after loading it once (the simulator's small catalogs). */
  contentInMemory?: boolean;
  /** Memory for hot parts served from RAM (default 64 MiB; 0: every read from disk). */
  contentCacheBytes?: number;
  onEvent?: (event: StoreEvent, labels?: Record<string, string>, amount?: number) => void;
  /**
   * Cluster mode [issue 11]: this process is one node of several sharing the PostgreSQL
   * database and a Redis. Absent: a single node, exactly as before.
   */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  /** `redis://host:port[/db]`: nonces, guess limits, replies, and aedes' $SYS traffic. */
  redisUrl: string;
  /** This node's name (aedes broker id, metrics label, `fairway store nodes`); unique in the cluster. */
  nodeId: string;
  /** The cluster's store key file; without it the key the database recorded must be in the data folder. */
  storeKeyFile?: string;
  /** The metrics port, for this node's `store_nodes` row. */
  metricsPort?: number;
  /** Largest |clock skew| against the database a node may start with; default 1,000 ms. */
  maxClockSkewMs?: number;
  /** How often the node's row is refreshed; default 5,000 ms. */
  heartbeatMs?: number;
}

export interface RunningStore {
  broker: Broker;
  service: StoreService;
  database: DatabaseHandle;
  ledger: LedgerContext;
  content: ContentStore;
  key: StoreKey;
  /** In cluster mode: the Redis-backed nonces, guess limits and shared replies. */
  shared?: RedisSharedState;
  /** Cluster mode: this node's registry row, clock skew and leader lease. */
  node?: ClusterNode;
  close(): Promise<void>;
}

export async function startStore(options: StoreOptions): Promise<RunningStore> {
  if (options.cluster && !/^postgres(ql)?:\/\//i.test(options.databaseUrl ?? '')) {
    throw new FairwayError('invalid-argument', 'cluster mode needs the shared PostgreSQL database (a postgres:// URL): SQLite is one process’s file');
  }
  const clock = options.clock ?? { wallMs: () => Date.now() };
  const log = options.logger ?? pino({ level: 'warn' });
  const data = await openStoreData(options.dataDir, { ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}), ...(options.passwordParams ? { passwordParams: options.passwordParams } : {}), ...(options.contentCacheBytes !== undefined ? { contentCacheBytes: options.contentCacheBytes } : {}), ...(options.cluster?.storeKeyFile !== undefined ? { storeKeyFile: options.cluster.storeKeyFile } : {}), mayMintKey: options.cluster === undefined, nowMs: clock.wallMs() });
  const { database, ledger, content, key } = data;
  // Cluster mode: the clock is checked and the node registered before anyone can connect;
  // nonces, guess limits and replies live in Redis, and a node does not start without it.
  let node: ClusterNode | undefined;
  let shared: RedisSharedState | undefined;
  if (options.cluster) {
    try {
      node = await ClusterNode.open({ database, databaseUrl: options.databaseUrl ?? '', nodeId: options.cluster.nodeId, mqttPort: options.port ?? 0, clock, log, tuning: options.cluster });
      shared = await RedisSharedState.open({ url: options.cluster.redisUrl, log });
    } catch (e) {
      await node?.stop();
      await data.close();
      throw e;
    }
  }
  const crypto = options.verifyOn === 'this-thread' ? Object.assign(new NodeCrypto(), { close: async () => undefined }) : new OffloadCrypto();
  if (options.contentInMemory) await content.pinInMemory();
  // A cluster sweeps lapsed holds once per tick, on whichever node claims the tick first.
  const sweepGate = options.cluster ? new SweepGate({ db: database.db, dialect: database.dialect, nodeId: options.cluster.nodeId, tickMs: EXPIRY_SWEEP_MS }) : undefined;
  const service = new StoreService({ db: database.db, ledger, content, crypto, clock, log, storeKey: { signer: key.signer, kid: key.kid }, ...(sweepGate ? { sweepGate } : {}), ...(options.config ? { config: options.config } : {}), ...(options.onEvent ? { onEvent: options.onEvent } : {}), ...(shared ? { shared } : {}) });
  let broker: Broker;
  let mq: SysEmitter | undefined;
  try {
    // Terminal traffic stays on its node; only aedes' $SYS announcements (cross-node
    // takeover of a client id) cross Redis [issue 11 §2]. The broker closes it.
    if (options.cluster) mq = await SysEmitter.connect({ redisUrl: options.cluster.redisUrl, connectionName: `fairway-${options.cluster.nodeId}`, logger: log });
    broker = await createBroker({
      ...(mq && options.cluster ? { mq, brokerId: options.cluster.nodeId } : {}),
      host: options.host ?? '127.0.0.1',
      tcpPort: options.port ?? 0,
      ...(options.tls ? { tls: options.tls } : {}),
      ...(options.wsPort !== undefined ? { wsPort: options.wsPort } : {}),
      ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
      ...(options.maxConnections !== undefined ? { maxConnections: options.maxConnections } : {}),
      ...(options.maxConnectionsPerSource !== undefined ? { maxConnectionsPerSource: options.maxConnectionsPerSource } : {}),
      ...(options.maxPendingConnects !== undefined ? { maxPendingConnects: options.maxPendingConnects } : {}),
      allowAnonymous: options.allowAnonymous ?? false,
      // A revoked terminal's key still verifies its credential, so it hears CONNACK 5 (stop
      // retrying) rather than 4 (check your credential) [FW-2.3].
      directory: {
        publicKeyOf: async (deviceId) => (await findTerminal(database.db, deviceId))?.publicKey,
        mayConnect: async (deviceId) => (await findTerminal(database.db, deviceId))?.revokedAt === null,
      },
      clock,
      logger: log,
      crypto,
      ...(shared ? { claimNonce: (nonce: Uint8Array, forgetAtMs: number, nowMs: number) => shared.claimNonce(nonce, forgetAtMs, nowMs) } : {}),
      onMessage: (deviceId, type, payload) => service.onMessage(deviceId, type, payload),
      onUnroutable: (deviceId, level) => service.onUnroutable(deviceId, level),
      onConnect: (deviceId) => service.onConnect(deviceId),
      onDisconnect: (deviceId) => service.onDisconnect(deviceId),
    });
  } catch (e) {
    await mq?.closeAsync();
    await crypto.close();
    await shared?.close();
    await node?.stop();
    await data.close();
    throw e;
  }
  service.attach((deviceId, type, payload, qos) => broker.publish(deviceId, type, payload, qos));
  await node?.ready(broker.ports.tcp, { connections: () => broker.connectedCount(), transfersInFlight: () => service.transfersInFlight });
  log.info({ port: broker.ports.tcp, ws: broker.ports.ws, dialect: database.dialect, storeKey: key.publicKeyHex }, 'store listening');
  return {
    broker,
    service,
    database,
    ledger,
    content,
    key,
    ...(shared ? { shared } : {}),
    ...(node ? { node } : {}),
    async close() {
      await broker.close();
      await service.close();
      await crypto.close();
      await shared?.close();
      await node?.stop();
      await data.close();
    },
  };
}
