/**
 * `fairway store serve`: the broker and store in one process — MQTT on TCP (or TLS), MQTT over
 * WebSocket on a second port, Prometheus metrics on a third — until SIGINT or SIGTERM.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { pino } from 'pino';
import { StoreMetrics } from '../../../broker/metrics.js';
import { startStore, type RunningStore } from '../../../broker/store.js';
import { CliInputError, DEFAULT_DATA_DIR } from './shared.js';

interface ServeOptions {
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
  store
    .command('serve')
    .description('Run the broker with the store attached')
    .option('--data <dir>', 'data folder (SQLite database, store key, part content)', DEFAULT_DATA_DIR)
    .option('--db <url>', 'postgres://… to use PostgreSQL instead of the SQLite file')
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--port <port>', 'MQTT port (MQTT over TLS with --tls-cert/--tls-key)', '1883')
    .option('--ws-port <port>', 'also serve MQTT over WebSocket on this port')
    .option('--tls-cert <file>', 'PEM certificate for MQTT over TLS')
    .option('--tls-key <file>', 'PEM private key for MQTT over TLS')
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://host:port/metrics')
    .option('--allow-anonymous', 'DEVELOPMENT ONLY: admit clients without credentials (they reach no store topic)')
    .option('--content-cache-mib <mib>', 'memory for hot parts served from RAM (0: read every chunk from disk)', '64')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (o: ServeOptions) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new CliInputError('--tls-cert and --tls-key go together');
      const log = pino({ level: o.logLevel });
      let running: RunningStore | undefined;
      const metrics = new StoreMetrics({
        connectedTerminals: () => running?.broker.connectedCount() ?? 0,
        chunksWaiting: () => running?.service.chunksWaiting ?? 0,
        activeTransfers: async () => {
          if (!running) return 0;
          const row = await running.database.db.selectFrom('transfers').select((eb) => eb.fn.countAll<number>().as('n')).where('state', '=', 'open').where('hold_until', '>=', Date.now()).executeTakeFirst();
          return Number(row?.n ?? 0);
        },
      });
      running = await startStore({
        dataDir: o.data,
        ...(o.db ? { databaseUrl: o.db } : {}),
        host: o.host,
        port: port(o.port, '--port'),
        ...(o.wsPort ? { wsPort: port(o.wsPort, '--ws-port') } : {}),
        ...(o.tlsCert && o.tlsKey ? { tls: { cert: await readFile(o.tlsCert), key: await readFile(o.tlsKey) } } : {}),
        allowAnonymous: o.allowAnonymous === true,
        contentCacheBytes: mebibytes(o.contentCacheMib, '--content-cache-mib'),
        logger: log,
        onEvent: metrics.record,
      });
      const metricsServer = o.metricsPort ? await metrics.listen(o.host, port(o.metricsPort, '--metrics-port')) : undefined;
      log.info({ mqtt: running.broker.ports.tcp, ws: running.broker.ports.ws, metrics: metricsServer?.port, storeKey: running.key.publicKeyHex }, 'fairway store serving');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info('shutting down');
      metricsServer?.server.close();
      await running.close();
    });
}
