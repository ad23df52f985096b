/**
 * Which node exports the cluster-wide gauges [issue 11 §4]. Gauges such as
 * `fairway_active_transfers` count rows of the shared database: if every node exported them,
 * a `sum()` over the cluster would count each transfer N times. So exactly one node — the one
 * holding this lease — exports them; the others omit them.
 *
 * The lease is a PostgreSQL session advisory lock on a connection of its own (not the pool:
 * a pool recycles idle connections, and the lock would silently go with one). Why a lock and
 * not "the oldest live node in store_nodes": the database grants a session lock to one
 * session at a time, so two nodes can never both export, whatever their clocks or their view
 * of the heartbeats; and when the holder dies its connection closes and PostgreSQL frees the
 * lock at once, so another node takes over at its next attempt (one heartbeat) instead of
 * after the liveness window. The cost is one connection per node.
 *
 * Advisory locks are per database, not per schema: the key includes the schema, so clusters
 * (or test runs) in different schemas of one database do not share a leader.
 */
import pg from 'pg';
import type { Logger } from 'pino';
import { withTimeout } from './with-timeout.js';

/** "FWAG": names this lock among the database's two-key advisory locks. */
const LOCK_CLASS = 0x46574147;

export interface LeaderLeaseOptions {
  /** The same postgres:// URL (and so the same search_path) the node's pool uses. */
  databaseUrl: string;
  log: Logger;
  /** Bounds connecting and each query, so a hung database cannot stall the heartbeat. */
  timeoutMs?: number;
}

export class LeaderLease {
  private client: pg.Client | undefined;
  private held = false;
  private closed = false;

  constructor(private readonly options: LeaderLeaseOptions) {}

  /** True while this node holds the lease (its connection is up and the lock is ours). */
  get isLeader(): boolean {
    return this.held;
  }

  /** Takes the lease if it is free; a no-op while held. Never throws: errors mean "not leader". */
  async tryAcquire(): Promise<boolean> {
    if (this.held || this.closed) return this.held;
    try {
      const client = await this.connect();
      // pg_try_advisory_lock stacks when called again while held: only call it when not held.
      const { rows } = await client.query<{ locked: boolean }>(
        `select pg_try_advisory_lock($1::int4, (('x' || substr(md5($2 || current_schema()), 1, 8))::bit(32))::int4) as locked`,
        [LOCK_CLASS, 'fairway-cluster-gauges:'],
      );
      const locked = rows[0]?.locked === true;
      if (locked && !this.held) this.options.log.info('this node now exports the cluster-wide gauges (leader lease taken)');
      this.held = locked;
    } catch (e) {
      this.options.log.warn({ err: e }, 'leader lease: could not reach the database');
      this.drop();
    }
    return this.held;
  }

  /** Gives the lease up (closing the connection frees the lock) so another node takes it. */
  async release(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    this.held = false;
    // Bounded: ending politely waits for the server, which may be the thing that is gone.
    if (client) await withTimeout(client.end(), this.options.timeoutMs ?? 2_000, 'closing the leader lease connection').catch(() => undefined);
  }

  private async connect(): Promise<pg.Client> {
    if (this.client) return this.client;
    const timeoutMs = this.options.timeoutMs ?? 2_000;
    const client = new pg.Client({ connectionString: this.options.databaseUrl, keepAlive: true, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
    // The lock lives and dies with this connection: once it fails, we hold nothing.
    client.on('error', (e) => {
      if (this.held) this.options.log.warn({ err: e }, 'leader lease connection failed: lease lost');
      if (this.client === client) this.drop();
    });
    client.on('end', () => {
      if (this.client === client) this.drop();
    });
    this.client = client;
    await client.connect();
    return client;
  }

  private drop(): void {
    const client = this.client;
    this.client = undefined;
    this.held = false;
    client?.end().catch(() => undefined);
  }
}

