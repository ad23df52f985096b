/**
 * Prometheus metrics for operators [issue 3 §12]: what is connected, what is streaming, what
 * was charged and refused. Counters are fed by store events; gauges are read at scrape time.
 *
 * In a cluster [issue 11 §4] every series carries a `node` label, and the cluster-wide
 * gauges (counts of shared database rows) are exported by one node only — the one
 * `exportsClusterGauges` names — so summing over nodes does not count them N times.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { serveHealth, type Readiness } from './health.js';
import type { StoreEvent } from './service/store-context.js';

export interface MetricsSources {
  connectedTerminals(): number;
  /** Cluster-wide: open transfers in the shared database. */
  activeTransfers(): Promise<number>;
  chunksWaiting(): number;
  /** Cluster mode: this node's clock minus the database's, ms (`fairway_clock_skew_ms`). */
  clockSkewMs?(): number;
  /** Cluster mode: whether this node exports the cluster-wide gauges now. Absent: always. */
  exportsClusterGauges?(): boolean;
}

export interface MetricsOptions {
  /** Cluster mode: this node's id, set as the `node` label on every series. */
  node?: string;
}

export class StoreMetrics {
  readonly registry = new Registry();
  private readonly bytesStreamed = new Counter({ name: 'fairway_bytes_streamed_total', help: 'Chunk payload bytes sent to terminals', registers: [this.registry] });
  private readonly charges = new Counter({ name: 'fairway_charges_total', help: 'Transfers charged (receipts captured)', registers: [this.registry] });
  private readonly offers = new Counter({ name: 'fairway_offers_total', help: 'Offers made with a new hold', registers: [this.registry] });
  private readonly redemptions = new Counter({ name: 'fairway_card_redemptions_total', help: 'Prepaid cards redeemed', registers: [this.registry] });
  private readonly licences = new Counter({ name: 'fairway_licences_total', help: 'Seat licences granted (new holds)', registers: [this.registry] });
  private readonly seatCharges = new Counter({ name: 'fairway_seat_charges_total', help: 'Seat licence charges: upfront licences captured and per-reception seats charged', labelNames: ['billing'], registers: [this.registry] });
  private readonly refusals = new Counter({ name: 'fairway_refusals_total', help: 'Refusals sent, by code', labelNames: ['code'], registers: [this.registry] });
  private readonly errors = new Counter({ name: 'fairway_errors_total', help: 'Errors sent, by code', labelNames: ['code'], registers: [this.registry] });

  /** Gauges over the shared database: registered only while this node exports them. */
  private readonly clusterGauges: { name: string; gauge: Gauge }[];

  constructor(
    private readonly sources: MetricsSources,
    options: MetricsOptions = {},
  ) {
    if (options.node !== undefined) this.registry.setDefaultLabels({ node: options.node });
    collectDefaultMetrics({ register: this.registry, prefix: 'fairway_process_' });
    new Gauge({ name: 'fairway_connected_terminals', help: 'Terminals connected now', registers: [this.registry], collect() { this.set(sources.connectedTerminals()); } });
    const activeTransfers = new Gauge({
      name: 'fairway_active_transfers',
      help: 'Open transfers (holds not yet charged, released or lapsed); in a cluster, exported by one node',
      registers: [this.registry],
      async collect() {
        this.set(await sources.activeTransfers());
      },
    });
    this.clusterGauges = [{ name: 'fairway_active_transfers', gauge: activeTransfers }];
    new Gauge({ name: 'fairway_chunks_waiting', help: 'Chunks queued for sending', registers: [this.registry], collect() { this.set(sources.chunksWaiting()); } });
    const clockSkewMs = sources.clockSkewMs;
    if (clockSkewMs) {
      new Gauge({ name: 'fairway_clock_skew_ms', help: "This node's clock minus the database's, ms (re-measured every minute)", registers: [this.registry], collect() { this.set(Math.round(clockSkewMs())); } });
    }
  }

  /** The text of one scrape, with the cluster-wide gauges only if this node exports them now. */
  async scrape(): Promise<string> {
    const exporting = this.sources.exportsClusterGauges?.() ?? true;
    for (const { name, gauge } of this.clusterGauges) {
      const registered = this.registry.getSingleMetric(name) !== undefined;
      if (exporting && !registered) this.registry.registerMetric(gauge);
      if (!exporting && registered) this.registry.removeSingleMetric(name);
    }
    return this.registry.metrics();
  }

  /** The store service's event hook. */
  readonly record = (event: StoreEvent, labels?: Record<string, string>, amount = 1): void => {
    switch (event) {
      case 'bytes-streamed':
        this.bytesStreamed.inc(amount);
        break;
      case 'charge':
        this.charges.inc();
        break;
      case 'offer':
        this.offers.inc();
        break;
      case 'redeem':
        this.redemptions.inc();
        break;
      case 'licence':
        this.licences.inc();
        break;
      case 'seat-charge':
        this.seatCharges.inc({ billing: labels?.billing ?? 'unknown' }, amount);
        break;
      case 'refusal':
        this.refusals.inc({ code: labels?.code ?? 'unknown' });
        break;
      case 'error':
        this.errors.inc({ code: labels?.code ?? 'unknown' });
        break;
    }
  };

  /**
   * Serves /metrics on host:port (0 picks a free port) — and /healthz and /readyz when given
   * the node's readiness; resolves with the port.
   */
  async listen(host: string, port: number, readiness?: Readiness): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (readiness && serveHealth(readiness, req, res)) return;
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.scrape()
        .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : port };
  }
}
