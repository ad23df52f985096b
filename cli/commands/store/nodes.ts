/**
 * `fairway store nodes`: the cluster's nodes as their heartbeats describe them [issue 11 §4] —
 * live or gone, state, load, clock skew — read from the shared database, so it works from any
 * host that reaches PostgreSQL, including when a node's own ports do not answer.
 */
import type { Command } from 'commander';
import { databaseNowMs } from '../../../broker/cluster/clock-skew.js';
import { HEARTBEAT_MS, LIVE_INTERVALS, listNodes } from '../../../broker/cluster/node-registry.js';
import { CliInputError, print, storeOptions, table, withDatabase, type StoreCliOptions } from './shared.js';

/** 42s, 3m05s, 2h07m, 3d04h: short enough for a table column. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}

export function registerNodes(store: Command): void {
  storeOptions(
    store
      .command('nodes')
      .description(`Store nodes of a cluster: live (a heartbeat within ${LIVE_INTERVALS} intervals) or gone, state, connections, transfers in flight, clock skew, age`)
      .option('--heartbeat-ms <ms>', 'the nodes’ heartbeat interval, if they were started with another one', String(HEARTBEAT_MS)),
  ).action(async (o: StoreCliOptions & { heartbeatMs: string }) => {
    if (!/^\d{1,7}$/.test(o.heartbeatMs) || Number(o.heartbeatMs) < 100) throw new CliInputError(`--heartbeat-ms must be a whole number of ms ≥ 100, not "${o.heartbeatMs}"`);
    await withDatabase(o, async (database) => {
      // The database's clock, the one the heartbeats are written in.
      const nodes = await listNodes(database.db, await databaseNowMs(database.db, database.dialect), Number(o.heartbeatMs));
      print(o, nodes, () =>
        nodes.length === 0
          ? 'no nodes have registered (cluster mode: fairway store serve --redis …)'
          : table(
              ['node', 'status', 'state', 'host', 'mqtt', 'connections', 'transfers', 'skew ms', 'age', 'last heartbeat'],
              nodes.map((n) => [n.nodeId, n.status, n.state, n.host, n.mqttPort, n.connections, n.transfersInFlight, n.clockSkewMs, formatAge(n.ageMs), `${formatAge(n.heartbeatAgeMs)} ago`]),
            ),
      );
    });
  });
}
