/**
 * The HAProxy configuration for a Fairway cluster, as a pure function of its inputs: one TCP
 * frontend for MQTT, balanced over N `fairway store serve` nodes, each health-checked over
 * HTTP on its metrics port (`GET /readyz` must answer 200). The harness runs exactly this
 * text, and the operator docs show its output as the example, so it stays free of test-only
 * lines unless asked for (`adminSocket`).
 *
 * Why each choice:
 * - `mode tcp`: HAProxy forwards MQTT bytes and never parses them; TLS, if any, ends at the node.
 * - `balance leastconn` by default: MQTT connections live for hours, so spreading by open
 *   connections keeps nodes even after restarts, where round robin only spreads new arrivals.
 * - health checks on the metrics port, not the MQTT port: a node that is draining or has lost
 *   its database still accepts TCP, but answers 503 on /readyz and gets no new terminals.
 * - `timeout client/server` well above the MQTT keep-alive (terminals send PINGREQ every 30 s
 *   by default; the broker drops them after 1.5×): HAProxy must never be the one to cut an
 *   idle but healthy terminal.
 * - `option redispatch` + `retries`: a connect to a node that died between two checks is
 *   retried on another node instead of failing the terminal's attempt.
 * - explicit `maxconn` (global and frontend): HAProxy 2.6 enforces its file-descriptor limits
 *   strictly, and a frontend otherwise inherits a limit far below a fleet's size.
 */
import { HarnessError } from './harness-error.js';

export interface HaproxyBackend {
  /** Server name in HAProxy's stats and logs; default `node<n>` (1-based). */
  name?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** The node's MQTT port. */
  port: number;
  /** The node's metrics HTTP port, which answers `GET <readyPath>`. */
  metricsPort: number;
}

export interface HaproxyConfigInput {
  /** Where terminals connect. Default host 127.0.0.1. */
  listen: { host?: string; port: number };
  backends: readonly HaproxyBackend[];
  /** Default 'leastconn'. */
  balance?: 'leastconn' | 'roundrobin';
  /** Default '/readyz'. */
  readyPath?: string;
  /** Health check period; default 500 ms. */
  checkIntervalMs?: number;
  /** Failed checks before a node is taken out; default 2. */
  fall?: number;
  /** Passed checks before a node is put back; default 2. */
  rise?: number;
  /** Idle limit on either side of a connection; default 120 000 ms (4× a 30 s keep-alive). */
  idleTimeoutMs?: number;
  /** TCP connect to a node; default 5000 ms. */
  connectTimeoutMs?: number;
  /** Concurrent terminal connections; default 4096. Each costs HAProxy two file descriptors. */
  maxConnections?: number;
  /** A Unix admin socket (`stats socket … level admin`) for the runtime API; omitted when unset. */
  adminSocket?: string;
  /**
   * Refuse a frontend port another process already listens on (`noreuseport`). HAProxy binds
   * with SO_REUSEPORT by default, so a second HAProxy — or anything else using it — on the
   * same port starts "fine" and the kernel splits connections between them. The harness sets
   * this: two tests on one port must fail loudly. Default false.
   */
  exclusivePort?: boolean;
}

export const HAPROXY_DEFAULTS = {
  balance: 'leastconn',
  readyPath: '/readyz',
  checkIntervalMs: 500,
  fall: 2,
  rise: 2,
  idleTimeoutMs: 120_000,
  connectTimeoutMs: 5000,
  maxConnections: 4096,
} as const;

/** Server names HAProxy accepts and that need no quoting. */
const NAME = /^[A-Za-z0-9_.:-]+$/;
/** Hosts as literal addresses or plain names (nothing that could break out of the line). */
const HOST = /^[A-Za-z0-9_.:[\]-]+$/;
const PATH = /^\/[A-Za-z0-9_./~-]*$/;

function positiveInt(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new HarnessError('invalid-argument', `${name} must be an integer in 1–${max}, got ${value}`);
  }
  return value;
}

function checked(pattern: RegExp, name: string, value: string): string {
  if (!pattern.test(value)) throw new HarnessError('invalid-argument', `${name} ${JSON.stringify(value)} is not allowed in an HAProxy config`);
  return value;
}

export function haproxyConfig(input: HaproxyConfigInput): string {
  const balance = input.balance ?? HAPROXY_DEFAULTS.balance;
  if (balance !== 'leastconn' && balance !== 'roundrobin') throw new HarnessError('invalid-argument', `balance must be leastconn or roundrobin, got ${String(balance)}`);
  const readyPath = checked(PATH, 'readyPath', input.readyPath ?? HAPROXY_DEFAULTS.readyPath);
  const inter = positiveInt('checkIntervalMs', input.checkIntervalMs ?? HAPROXY_DEFAULTS.checkIntervalMs);
  const fall = positiveInt('fall', input.fall ?? HAPROXY_DEFAULTS.fall, 100);
  const rise = positiveInt('rise', input.rise ?? HAPROXY_DEFAULTS.rise, 100);
  const idle = positiveInt('idleTimeoutMs', input.idleTimeoutMs ?? HAPROXY_DEFAULTS.idleTimeoutMs);
  const connectTimeout = positiveInt('connectTimeoutMs', input.connectTimeoutMs ?? HAPROXY_DEFAULTS.connectTimeoutMs);
  const maxconn = positiveInt('maxConnections', input.maxConnections ?? HAPROXY_DEFAULTS.maxConnections, 1_000_000);
  const listenHost = checked(HOST, 'listen.host', input.listen.host ?? '127.0.0.1');
  const listenPort = positiveInt('listen.port', input.listen.port, 65535);
  if (input.backends.length === 0) throw new HarnessError('invalid-argument', 'at least one backend is needed');

  const names = new Set<string>();
  const servers = input.backends.map((b, i) => {
    const name = checked(NAME, 'backend name', b.name ?? `node${i + 1}`);
    if (names.has(name)) throw new HarnessError('invalid-argument', `backend name ${name} is used twice`);
    names.add(name);
    const host = checked(HOST, `backend ${name} host`, b.host ?? '127.0.0.1');
    const port = positiveInt(`backend ${name} port`, b.port, 65535);
    const metricsPort = positiveInt(`backend ${name} metricsPort`, b.metricsPort, 65535);
    return `  server ${name} ${host}:${port} check port ${metricsPort} inter ${inter} fall ${fall} rise ${rise}`;
  });

  const adminSocket = input.adminSocket === undefined ? [] : [`  stats socket ${checked(/^\/[^\s#]+$/, 'adminSocket', input.adminSocket)} mode 600 level admin`];
  return [
    'global',
    `  maxconn ${maxconn}`,
    ...(input.exclusivePort ? ['  noreuseport'] : []),
    ...adminSocket,
    '',
    'defaults',
    '  mode tcp',
    `  timeout connect ${connectTimeout}ms`,
    `  timeout client ${idle}ms`,
    `  timeout server ${idle}ms`,
    `  timeout check ${Math.max(inter, 1000)}ms`,
    '  retries 2',
    '  option redispatch',
    '',
    'frontend mqtt',
    `  bind ${listenHost}:${listenPort}`,
    `  maxconn ${maxconn}`,
    '  default_backend fairway_nodes',
    '',
    'backend fairway_nodes',
    `  balance ${balance}`,
    `  option httpchk GET ${readyPath}`,
    '  http-check expect status 200',
    ...servers,
    '',
  ].join('\n');
}
