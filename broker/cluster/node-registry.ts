/**
 * The `store_nodes` table [issue 11 §4]: one row per store node, upserted at start and then
 * on every heartbeat, so an operator (`fairway store nodes`) sees which nodes run, how loaded
 * they are and how far their clocks are off, without reaching each node's metrics port.
 * Times written here are the node's clock corrected by its measured skew, i.e. the
 * database's time as best this node knows it, so rows from different hosts compare.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import type { Schema, StoreNodeState } from '../db/schema.js';

/** How often a node writes its row. */
export const HEARTBEAT_MS = 5_000;
/** A node is live while its last heartbeat is younger than this many intervals. */
export const LIVE_INTERVALS = 3;

export interface NodeStats {
  connections: number;
  transfersInFlight: number;
  clockSkewMs: number;
}

/** Another live process already runs under this node id. */
export class NodeIdInUseError extends Error {
  override readonly name = 'NodeIdInUseError';
  constructor(nodeId: string, host: string, pid: number) {
    super(`node id "${nodeId}" is in use by a live node (host ${host}, pid ${pid}): give this node another --node-id`);
  }
}

export interface NodeRegistryOptions {
  db: Kysely<Schema>;
  nodeId: string;
  mqttPort: number;
  metricsPort?: number;
  /** The database's time as this node estimates it (wall clock minus skew). */
  nowMs: () => number;
  heartbeatMs?: number;
  /** Defaults: this host and process (tests pretend to be other hosts). */
  host?: string;
  pid?: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class NodeRegistry {
  private readonly host: string;
  private readonly pid: number;
  private readonly startedAt: number;
  private mqttPort: number;
  private state: StoreNodeState = 'starting';

  constructor(private readonly options: NodeRegistryOptions) {
    this.host = options.host ?? hostname();
    this.pid = options.pid ?? process.pid;
    this.mqttPort = options.mqttPort;
    this.startedAt = Math.round(options.nowMs());
  }

  get heartbeatMs(): number {
    return this.options.heartbeatMs ?? HEARTBEAT_MS;
  }

  /**
   * Claims the row as `starting`. A row that is still live is refused when it belongs to
   * another host or to a process of this host that is still running; a live-looking row of a
   * process that died (a crash, kill -9, restart within the liveness window) is taken over.
   */
  async register(stats: NodeStats): Promise<void> {
    const { db, nodeId } = this.options;
    const existing = await db.selectFrom('store_nodes').selectAll().where('node_id', '=', nodeId).executeTakeFirst();
    if (existing && existing.state !== 'stopped' && existing.heartbeat_at > this.options.nowMs() - LIVE_INTERVALS * this.heartbeatMs) {
      const sameProcess = existing.host === this.host && existing.pid === this.pid;
      const deadHere = existing.host === this.host && !processAlive(existing.pid);
      if (!sameProcess && !deadHere) throw new NodeIdInUseError(nodeId, existing.host, existing.pid);
    }
    await this.write('starting', stats);
  }

  /** Sets the state and writes the row now; `mqttPort` once the port is known. */
  async setState(state: StoreNodeState, stats: NodeStats, mqttPort?: number): Promise<void> {
    if (mqttPort !== undefined) this.mqttPort = mqttPort;
    await this.write(state, stats);
  }

  /** One heartbeat: the current state, a fresh time and the current figures. */
  async beat(stats: NodeStats): Promise<void> {
    await this.write(this.state, stats);
  }

  private async write(state: StoreNodeState, stats: NodeStats): Promise<void> {
    this.state = state;
    const now = Math.round(this.options.nowMs());
    const figures = {
      state,
      heartbeat_at: now,
      mqtt_port: this.mqttPort,
      metrics_port: this.options.metricsPort ?? null,
      connections: stats.connections,
      transfers_in_flight: stats.transfersInFlight,
      clock_skew_ms: Math.round(stats.clockSkewMs),
    };
    // An upsert, not an update: the row comes back if an operator deleted it.
    await this.options.db
      .insertInto('store_nodes')
      .values({ node_id: this.options.nodeId, host: this.host, pid: this.pid, started_at: this.startedAt, ...figures })
      .onConflict((oc) => oc.column('node_id').doUpdateSet({ host: this.host, pid: this.pid, started_at: this.startedAt, ...figures }))
      .execute();
  }
}

export interface NodeView {
  nodeId: string;
  /** `live`: heartbeat within LIVE_INTERVALS intervals and not stopped; `gone` otherwise. */
  status: 'live' | 'gone';
  state: StoreNodeState;
  host: string;
  mqttPort: number;
  metricsPort: number | null;
  pid: number;
  connections: number;
  transfersInFlight: number;
  clockSkewMs: number;
  /** Since the node started, and since its last heartbeat (ms, by `nowMs`). */
  ageMs: number;
  heartbeatAgeMs: number;
}

/** Every registered node, live ones first, then by id. */
export async function listNodes(db: Kysely<Schema>, nowMs: number, heartbeatMs = HEARTBEAT_MS): Promise<NodeView[]> {
  const rows = await db.selectFrom('store_nodes').selectAll().orderBy('node_id').execute();
  const views = rows.map((r): NodeView => {
    const heartbeatAgeMs = Math.max(0, nowMs - r.heartbeat_at);
    return {
      nodeId: r.node_id,
      status: r.state !== 'stopped' && heartbeatAgeMs < LIVE_INTERVALS * heartbeatMs ? 'live' : 'gone',
      state: r.state,
      host: r.host,
      mqttPort: r.mqtt_port,
      metricsPort: r.metrics_port,
      pid: r.pid,
      connections: r.connections,
      transfersInFlight: r.transfers_in_flight,
      clockSkewMs: r.clock_skew_ms,
      ageMs: Math.max(0, nowMs - r.started_at),
      heartbeatAgeMs,
    };
  });
  return views.sort((a, b) => (a.status === b.status ? 0 : a.status === 'live' ? -1 : 1));
}
