/**
 * Prometheus metrics for operators [issue 3 §12]: what is connected, what is streaming, what
 * was charged and refused. Counters are fed by store events; gauges are read at scrape time.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreEvent } from './service/store-context.js';

export interface MetricsSources {
  connectedTerminals(): number;
  activeTransfers(): Promise<number>;
  chunksWaiting(): number;
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

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'fairway_process_' });
    new Gauge({ name: 'fairway_connected_terminals', help: 'Terminals connected now', registers: [this.registry], collect() { this.set(sources.connectedTerminals()); } });
    new Gauge({
      name: 'fairway_active_transfers',
      help: 'Open transfers (holds not yet charged, released or lapsed)',
      registers: [this.registry],
      async collect() {
        this.set(await sources.activeTransfers());
      },
    });
    new Gauge({ name: 'fairway_chunks_waiting', help: 'Chunks queued for sending', registers: [this.registry], collect() { this.set(sources.chunksWaiting()); } });
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

  /** Serves /metrics on host:port (0 picks a free port); resolves with the port. */
  async listen(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.registry
        .metrics()
        .then((text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text))
        .catch((e: unknown) => res.writeHead(500).end(String(e)));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
    const address = server.address();
    return { server, port: typeof address === 'object' && address ? address.port : port };
  }
}
