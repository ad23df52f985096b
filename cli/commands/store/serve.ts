/**
 * `fairway store serve`: the broker and store in one process — MQTT on TCP (or TLS), MQTT over
 * WebSocket on a second port, Prometheus metrics and health on a third — until SIGINT or
 * SIGTERM. With `--redis` it is one node of a cluster [issue 11] (cluster-flags.ts).
 *
 * SIGTERM drains (broker/cluster/drain.ts): what a balancer or an orchestrator sends to take
 * a node out. SIGINT stops at once (in-flight requests still finish): it is a person at a
 * terminal pressing Ctrl-C, who wants the prompt back, not a three-second wait. A second
 * signal during a drain cuts it short the same way.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { pino } from 'pino';
import { drain } from '../../../broker/cluster/drain.js';
import { Readiness } from '../../../broker/health.js';
import { StoreMetrics } from '../../../broker/metrics.js';
import { storeReadinessChecks } from '../../../broker/readiness-checks.js';
import type { RunningStore } from '../../../broker/store.js';
import { clusterFlags, parseClusterFlags, type ClusterFlags } from './cluster-flags.js';
import { DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_SOURCE } from '../../../broker/transport/connection-caps.js';
import { CliInputError, DEFAULT_DATA_DIR, parseCount } from './shared.js';

interface ServeOptions extends ClusterFlags {
  data: string;
  db?: string;
  host: string;
  port: string;
  wsPort?: string;
  tlsCert?: string;
  tlsKey?: string;
  metricsPort?: string;
  allowAnonymous?: boolean;
  contentCacheMib: string;
  maxConnections: string;
  maxConnectionsPerSource: string;
  maxPendingConnects: string;
  logLevel: string;
}


function port(value: string, what: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) throw new CliInputError(`${what} must be a port number 0–65535, not "${value}"`);
  return Number(value);
}

function mebibytes(value: string, what: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new CliInputError(`${what} must be a whole number of MiB, not "${value}"`);
  return Number(value) * 1024 * 1024;
}

export function registerServe(store: Command): void {
  const serve = store
    .command('serve')
    .description('Run the broker with the store attached')
    .option('--data <dir>', 'data folder (SQLite database, store key, part content)', DEFAULT_DATA_DIR)
    .option('--db <url>', 'postgres://… to use PostgreSQL instead of the SQLite file')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'MQTT port (MQTT over TLS with --tls-cert/--tls-key)', '1883')
    .option('--ws-port <port>', 'also serve MQTT over WebSocket on this port')
    .option('--tls-cert <file>', 'PEM certificate for MQTT over TLS')
    .option('--tls-key <file>', 'PEM private key for MQTT over TLS')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://host:port/metrics, and /healthz and /readyz')
    .option('--allow-anonymous', 'DEVELOPMENT ONLY: admit clients without credentials (they reach no store topic)')
    .option('--content-cache-mib <mib>', 'memory for hot parts served from RAM (0: read every chunk from disk)', '64')
    .option('--max-connections <n>', 'connections held at once; more are closed before a byte is read', String(DEFAULT_MAX_CONNECTIONS))
    .option('--max-connections-per-source <n>', 'connections held at once from one address (carrier NAT puts many handhelds behind one)', String(DEFAULT_MAX_CONNECTIONS_PER_SOURCE))
    .option('--max-pending-connects <n>', 'CONNECTs authenticated at once; in a connect storm the rest hear CONNACK 3 at once and come back after their back-off', '512')
    .option('--log-level <level>', 'pino log level', 'info');
  clusterFlags(serve).action(async (o: ServeOptions) => {
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CliInputError('--tls-cert and --tls-key go together');
    const mqttPort = port(o.port, '--port');
    const maxConnections = parseCount(o.maxConnections, '--max-connections', 10_000_000);
    const maxConnectionsPerSource = parseCount(o.maxConnectionsPerSource, '--max-connections-per-source', 10_000_000);
    const maxPendingConnects = parseCount(o.maxPendingConnects, '--max-pending-connects', 1_000_000);
    const metricsPort = o.metricsPort ? port(o.metricsPort, '--metrics-port') : undefined;
    const { cluster, drain: drainPlan } = parseClusterFlags(o, mqttPort);
    const log = pino({ level: o.logLevel });
    let running: RunningStore | undefined;
    const metrics = new StoreMetrics(
      {
        connectedTerminals: () => running?.broker.connectedCount() ?? 0,
        chunksWaiting: () => running?.service.chunksWaiting ?? 0,
        activeTransfers: async () => {
          if (!running) return 0;
          const row = await running.database.db.selectFrom('transfers').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'open').where('hold_until', '>=', Date.now()).executeTakeFirst();
          return Number(row?.n ?? 0);
        },
        ...(cluster
          ? {
              clockSkewMs: () => running?.node?.clockSkewMs ?? 0,
              // Not started yet, or another node holds the lease: that node exports them.
              exportsClusterGauges: () => running?.node?.isLeader === true,
            }
          : {}),
      },
      cluster ? { node: cluster.nodeId } : {},
    );
    // Health answers before the store starts: /healthz is 200 through a long migration, and
    // /readyz says the `started` check has not passed yet.
    const readiness = new Readiness();
    const metricsServer = metricsPort !== undefined ? await metrics.listen(o.host, metricsPort, readiness) : undefined;
    try {
      // The broker loads only when a store starts: other `fairway` commands start faster.
      const { startStore } = await import('../../../broker/store.js');
      running = await startStore({
        dataDir: o.data,
        ...(o.db ? { databaseUrl: o.db } : {}),
        host: o.host,
        port: mqttPort,
        ...(o.wsPort ? { wsPort: port(o.wsPort, '--ws-port') } : {}),
        ...(o.tlsCert && o.tlsKey ? { tls: { cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey) } } : {}),
        allowAnonymous: o.allowAnonymous === true,
        contentCacheBytes: mebibytes(o.contentCacheMib, '--content-cache-mib'),
        maxConnections,
        maxConnectionsPerSource,
        maxPendingConnects,
        logger: log,
        onEvent: metrics.record,
        ...(cluster ? { cluster: { ...cluster, ...(metricsServer ? { metricsPort: metricsServer.port } : {}) } } : {}),
      });
    } catch (e) {
      metricsServer?.server.close();
      throw e;
    }
    const store = running;
    const shared = store.shared;
    readiness.setChecks(storeReadinessChecks(store, shared ? { redisPing: () => shared.ping() } : {}));
    log.info({ mqtt: store.broker.ports.tcp, ws: store.broker.ports.ws, metrics: metricsServer?.port, storeKey: store.key.publicKeyHex, nodeId: cluster?.nodeId }, 'fairway store serving');

    const first = await nextSignal();
    const cutShort = new AbortController();
    void nextSignal().then(() => cutShort.abort());
    if (first === 'SIGTERM') {
      await drain(
        {
          markDraining: async () => {
            readiness.markDraining();
            await store.node?.draining();
          },
          stopAccepting: () => store.broker.stopAccepting(),
          settled: () => store.service.settled(),
          connectedCount: () => store.broker.connectedCount(),
          disconnectSome: (n) => store.broker.disconnectSome(n),
        },
        { ...drainPlan, log, signal: cutShort.signal },
      );
    } else readiness.markDraining();
    log.info({ signal: first }, 'shutting down');
    await store.close();
    metricsServer?.server.close();
  });
}

/** The next SIGINT or SIGTERM, whichever comes first. */
function nextSignal(): Promise<'SIGINT' | 'SIGTERM'> {
  return new Promise((resolve) => {
    const onInt = (): void => settle('SIGINT');
    const onTerm = (): void => settle('SIGTERM');
    function settle(signal: 'SIGINT' | 'SIGTERM'): void {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(signal);
    }
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
}
