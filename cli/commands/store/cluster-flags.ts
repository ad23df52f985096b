/**
 * The `fairway store serve` flags for cluster mode and for draining [issue 11 §4], and their
 * checks: every mistake is refused before anything starts, with the flag named.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { DEFAULT_DRAIN_BATCH, DEFAULT_DRAIN_DELAY_MS, parseDrainBatch, type DrainBatch } from '../../../broker/cluster/drain.js';
import type { ClusterOptions } from '../../../broker/store.js';
import { CliInputError } from './shared.js';

export interface ClusterFlags {
  db?: string;
  redis?: string;
  nodeId?: string;
  storeKey?: string;
  heartbeatMs?: string;
  maxClockSkewMs?: string;
  drainDelayMs?: string;
  drainBatch?: string;
}

export const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function clusterFlags(command: Command): Command {
  return command
    .option('--redis <url>', 'cluster mode: redis://host:port the nodes share (needs --db postgres://…)')
    .option('--node-id <id>', 'cluster mode: this node’s name, unique in the cluster, [A-Za-z0-9_.-]{1,64} (default: <hostname>-<MQTT port>)')
    .option('--store-key <file>', 'cluster mode: the cluster’s store key file')
    .option('--heartbeat-ms <ms>', 'cluster mode: how often this node refreshes its row in store_nodes (default 5000)')
    .option('--max-clock-skew-ms <ms>', 'cluster mode: refuse to start when this clock is further than this from the database’s (default 1000)')
    .option('--drain-delay-ms <ms>', 'on SIGTERM: keep serving this long after /readyz turns 503, for the balancer to notice (default 3000 with --redis, else 0)')
    .option('--drain-batch <n|pct%>', 'on SIGTERM: close terminal connections in batches of n, or of pct% of those connected, every 200 ms (default 10%)');
}

function wholeMs(value: string, flag: string, min: number, max: number): number {
  if (!/^\d{1,7}$/.test(value) || Number(value) < min || Number(value) > max) throw new CliInputError(`${flag} must be a whole number of ms from ${min} to ${max}, not "${value}"`);
  return Number(value);
}

/** Default node id: this host and the MQTT port, made to fit the pattern. */
export function defaultNodeId(mqttPort: number): string {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, '-').slice(0, 58) || 'node';
  return `${host}-${mqttPort}`;
}

export function parseClusterFlags(o: ClusterFlags, mqttPort: number): { cluster: ClusterOptions | undefined; drain: { delayMs: number; batch: DrainBatch } } {
  let cluster: ClusterOptions | undefined;
  if (o.redis !== undefined) {
    if (!/^rediss?:\/\//i.test(o.redis)) throw new CliInputError(`--redis must be a redis:// or rediss:// URL, not "${o.redis}"`);
    if (!o.db || !/^postgres(ql)?:\/\//i.test(o.db)) {
      throw new CliInputError('--redis (cluster mode) needs --db postgres://…: the nodes of a cluster share one PostgreSQL database, and a SQLite file serves one process');
    }
    const nodeId = o.nodeId ?? defaultNodeId(mqttPort);
    if (!NODE_ID_PATTERN.test(nodeId)) throw new CliInputError(`--node-id must be 1–64 of A–Z a–z 0–9 _ . -, not "${nodeId}"`);
    cluster = {
      redisUrl: o.redis,
      nodeId,
      ...(o.storeKey !== undefined ? { storeKeyFile: o.storeKey } : {}),
      ...(o.heartbeatMs !== undefined ? { heartbeatMs: wholeMs(o.heartbeatMs, '--heartbeat-ms', 100, 600_000) } : {}),
      ...(o.maxClockSkewMs !== undefined ? { maxClockSkewMs: wholeMs(o.maxClockSkewMs, '--max-clock-skew-ms', 0, 3_600_000) } : {}),
    };
  } else {
    const clusterOnly = [
      ['--node-id', o.nodeId],
      ['--store-key', o.storeKey],
      ['--heartbeat-ms', o.heartbeatMs],
      ['--max-clock-skew-ms', o.maxClockSkewMs],
    ] as const;
    const given = clusterOnly.find(([, value]) => value !== undefined);
    if (given) throw new CliInputError(`${given[0]} is for cluster mode: add --redis redis://…`);
  }
  const delayMs = o.drainDelayMs !== undefined ? wholeMs(o.drainDelayMs, '--drain-delay-ms', 0, 600_000) : cluster ? DEFAULT_DRAIN_DELAY_MS : 0;
  const batch = o.drainBatch !== undefined ? parseDrainBatch(o.drainBatch) : DEFAULT_DRAIN_BATCH;
  if (!batch) throw new CliInputError(`--drain-batch must be a number of connections (50) or a share of them (10%), not "${o.drainBatch}"`);
  return { cluster, drain: { delayMs, batch } };
}
