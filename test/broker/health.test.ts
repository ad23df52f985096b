/**
 * /healthz and /readyz on the metrics port: liveness answers whatever the checks say;
 * readiness names the check that failed, bounds a hung check by its timeout, and turns 503
 * for good once the node drains. The metrics beside them carry the node label in a cluster,
 * and the cluster-wide gauges only while this node is the one exporting them.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Readiness } from '../../broker/health.js';
import { StoreMetrics, type MetricsSources } from '../../broker/metrics.js';

const sources: MetricsSources = { connectedTerminals: () => 3, chunksWaiting: () => 0, activeTransfers: async () => 7 };
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

async function serve(metrics: StoreMetrics, readiness?: Readiness): Promise<(path: string) => Promise<{ status: number; body: string }>> {
  const { server, port } = await metrics.listen('127.0.0.1', 0, readiness);
  closers.push(() => server.close());
  return async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: res.status, body: await res.text() };
  };
}

describe('readiness', () => {
  it('is not ready before the store has started, and says so', async () => {
    const report = await new Readiness().report();
    expect(report).toMatchObject({ ready: false, failed: ['started'] });
  });

  it('is ready when every check passes, and names the ones that fail', async () => {
    const readiness = new Readiness();
    readiness.setChecks({ database: async () => undefined, redis: async () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')), content: async () => undefined });
    const report = await readiness.report();
    expect(report.ready).toBe(false);
    expect(report.failed).toEqual(['redis']);
    expect(report.checks['redis']).toMatchObject({ ok: false, error: 'ECONNREFUSED 127.0.0.1:6379' });
    expect(report.checks['database']).toMatchObject({ ok: true });
  });

  it('fails a hung check after its timeout instead of hanging', async () => {
    const readiness = new Readiness(200);
    readiness.setChecks({ database: () => new Promise(() => {}), migrations: async () => undefined });
    const started = performance.now();
    const report = await readiness.report();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(report.failed).toEqual(['database']);
    expect(report.checks['database']!.error).toContain('timed out after 200 ms');
  });

  it('stays not ready once draining, whatever the checks say', async () => {
    const readiness = new Readiness();
    readiness.setChecks({ database: async () => undefined });
    expect((await readiness.report()).ready).toBe(true);
    readiness.markDraining();
    expect(await readiness.report()).toMatchObject({ ready: false, failed: ['draining'] });
  });

  it('answers /healthz 200 and /readyz 200 or 503 with the report as JSON', async () => {
    const readiness = new Readiness();
    const get = await serve(new StoreMetrics(sources), readiness);
    expect((await get('/healthz')).status).toBe(200);
    const starting = await get('/readyz');
    expect(starting.status).toBe(503);
    expect(JSON.parse(starting.body)).toMatchObject({ ready: false, failed: ['started'] });
    readiness.setChecks({ database: async () => undefined });
    expect((await get('/readyz')).status).toBe(200);
    readiness.setChecks({ database: async () => Promise.reject(new Error('connection refused')) });
    const down = await get('/readyz');
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ failed: ['database'], checks: { database: { ok: false, error: 'connection refused' } } });
    expect((await get('/healthz')).status).toBe(200);
  });
});

describe('metrics in a cluster', () => {
  it('labels every series with the node', async () => {
    const text = await new StoreMetrics(sources, { node: 'node-a' }).scrape();
    expect(text).toMatch(/^fairway_connected_terminals\{node="node-a"\} 3$/m);
    expect(text).toMatch(/^fairway_process_\w+\{node="node-a"\}/m);
  });

  it('exports the cluster-wide gauges only while this node is the one to', async () => {
    let leader = false;
    const metrics = new StoreMetrics({ ...sources, exportsClusterGauges: () => leader, clockSkewMs: () => -12.4 }, { node: 'b' });
    expect(await metrics.scrape()).not.toContain('fairway_active_transfers');
    leader = true;
    expect(await metrics.scrape()).toMatch(/^fairway_active_transfers\{node="b"\} 7$/m);
    leader = false;
    const text = await metrics.scrape();
    expect(text).not.toContain('fairway_active_transfers');
    expect(text).toMatch(/^fairway_clock_skew_ms\{node="b"\} -12$/m);
  });

  it('exports them always on a single node, without a node label', async () => {
    const text = await new StoreMetrics(sources).scrape();
    expect(text).toMatch(/^fairway_active_transfers 7$/m);
    expect(text).not.toContain('fairway_clock_skew_ms');
  });
});
