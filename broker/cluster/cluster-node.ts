/**
 * What makes a store process one node of a cluster, as operators see it [issue 11 §3–4]: its
 * clock checked against the database before it serves anyone, its row in `store_nodes` with
 * a heartbeat, the lease that decides whether it exports the cluster-wide gauges, and the
 * states an operator reads (starting → ready → draining → stopped). startStore opens it
 * before the broker listens and marks it ready once the broker does.
 */
import type { Logger } from 'pino';
import { FairwayError } from '../../sdk/errors.js';
import type { DatabaseHandle } from '../db/index.js';
import { ClockSkewMonitor } from './clock-skew.js';
import { LeaderLease } from './leader-lease.js';
import { NodeRegistry, type NodeStats } from './node-registry.js';
import { withTimeout } from './with-timeout.js';

export interface ClusterNodeOptions {
  database: DatabaseHandle;
  /** postgres://…, for the leader lease's own connection. */
  databaseUrl: string;
  nodeId: string;
  /** The configured MQTT port (the real one is known once the broker listens). */
  mqttPort: number;
  clock: { wallMs(): number };
  log: Logger;
  tuning?: ClusterTuning;
}

export interface ClusterTuning {
  /** For the registry row. */
  metricsPort?: number;
  /** Largest |clock skew| to start with; default 1,000 ms. */
  maxClockSkewMs?: number;
  heartbeatMs?: number;
  skewRecheckMs?: number;
}

/** What the heartbeat reports, read from the running broker and store. */
export interface NodeLoad {
  connections(): number;
  transfersInFlight(): number;
}

/** Bound on a row write at shutdown: a dead database must not keep a stopping node alive. */
const LAST_WRITE_MS = 2_000;

export class ClusterNode {
  private load: NodeLoad = { connections: () => 0, transfersInFlight: () => 0 };
  private timer: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private stopped = false;

  private constructor(
    readonly nodeId: string,
    private readonly registry: NodeRegistry,
    private readonly skew: ClockSkewMonitor,
    private readonly lease: LeaderLease,
    private readonly log: Logger,
  ) {}

  /**
   * Checks the clock (ClockSkewError when too far off), then registers the node as
   * `starting` (NodeIdInUseError when another live process has its id).
   */
  static async open(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { database, clock } = options;
    const tuning = options.tuning ?? {};
    if (database.dialect !== 'postgres') throw new FairwayError('invalid-argument', 'cluster mode needs PostgreSQL: its nodes share one database (--db postgres://…)');
    const log = options.log.child({ nodeId: options.nodeId });
    const skew = new ClockSkewMonitor({
      db: database.db,
      dialect: database.dialect,
      wallMs: () => clock.wallMs(),
      log,
      ...(tuning.maxClockSkewMs !== undefined ? { limitMs: tuning.maxClockSkewMs } : {}),
      ...(tuning.skewRecheckMs !== undefined ? { recheckMs: tuning.skewRecheckMs } : {}),
    });
    await skew.checkAtStart();
    const registry = new NodeRegistry({
      db: database.db,
      nodeId: options.nodeId,
      mqttPort: options.mqttPort,
      ...(tuning.metricsPort !== undefined ? { metricsPort: tuning.metricsPort } : {}),
      ...(tuning.heartbeatMs !== undefined ? { heartbeatMs: tuning.heartbeatMs } : {}),
      nowMs: () => clock.wallMs() - skew.skewMs,
    });
    const node = new ClusterNode(options.nodeId, registry, skew, new LeaderLease({ databaseUrl: options.databaseUrl, log }), log);
    await registry.register(node.stats());
    return node;
  }

  get isLeader(): boolean {
    return this.lease.isLeader;
  }

  get clockSkewMs(): number {
    return this.skew.skewMs;
  }

  /**
   * The broker listens: state `ready`, and from now on the heartbeat, the lease, the skew
   * re-checks. Never throws: a failed write is retried by the next heartbeat.
   */
  async ready(mqttPort: number, load: NodeLoad): Promise<void> {
    this.load = load;
    await this.registry.setState('ready', this.stats(), mqttPort).catch((e: unknown) => this.log.warn({ err: e }, 'could not record the ready state (the heartbeat retries)'));
    await this.lease.tryAcquire();
    this.skew.start();
    this.schedule();
    this.log.info({ heartbeatMs: this.registry.heartbeatMs, leader: this.isLeader }, 'node ready');
  }

  /** SIGTERM: the row says `draining` at once (the heartbeat keeps it fresh until the end). */
  async draining(): Promise<void> {
    await withTimeout(this.registry.setState('draining', this.stats()), LAST_WRITE_MS, 'writing the draining state').catch((e: unknown) =>
      this.log.warn({ err: e }, 'could not record the draining state'),
    );
  }

  /** Clean exit: heartbeat off, lease released, row `stopped`. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.skew.stop();
    // A beat still writing `ready` must not land after `stopped`.
    await this.beating;
    await this.lease.release();
    await withTimeout(this.registry.setState('stopped', this.stats()), LAST_WRITE_MS, 'writing the stopped state').catch((e: unknown) =>
      this.log.warn({ err: e }, 'could not record the stopped state'),
    );
  }

  private stats(): NodeStats {
    return { connections: this.load.connections(), transfersInFlight: this.load.transfersInFlight(), clockSkewMs: this.skew.skewMs };
  }

  /** One beat at a time (a slow database delays the next rather than piling them up). */
  private schedule(): void {
    this.timer = setTimeout(() => {
      this.beating = this.beat().finally(() => (this.beating = undefined));
    }, this.registry.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      await withTimeout(this.registry.beat(this.stats()), this.registry.heartbeatMs, 'heartbeat');
    } catch (e) {
      this.log.warn({ err: e }, 'heartbeat not written (database unreachable?)');
    }
    await this.lease.tryAcquire();
    if (!this.stopped) this.schedule();
  }
}
