/**
 * `fairway bench cluster` at toy size, against real processes: a single `fairway store serve`,
 * a two-node and a three-node cluster (Redis, HAProxy, PostgreSQL schemas), bare terminals and
 * terminal runtimes. The figures are not judged (benches print, they never assert); that each
 * is printed, finite, and counts what it names is. The pieces that read other processes'
 * counters (/proc, Redis INFO) and turn events into resume times are checked on their own.
 */
import { describe, expect, it } from 'vitest';
import { benchCluster } from '../../cli/bench/cluster.js';
import { CLUSTER_BENCH_TINY, checkClusterOptions, clusterOptionsFromEnv } from '../../cli/bench/cluster/cluster-options.js';
import { parseStatTicks, processCpuMs } from '../../cli/bench/cluster/proc-cpu.js';
import { Redis } from 'ioredis';
import { callsDelta, parseCommandStats, RedisCallCounter, storeCalls } from '../../cli/bench/cluster/redis-calls.js';
import { startRedis } from '../../sim/servers/redis.js';
import { percentile, resumeAfterKill } from '../../cli/bench/cluster/resume-times.js';
import { BENCHES } from '../../cli/commands/bench.js';
import { serveArgs } from '../../sim/cluster/serve-process.js';
import { expectKindSync } from '../support/expect-fairway.js';
import { requireBinary } from '../support/server-binaries.js';

const pgUrl = process.env.FAIRWAY_TEST_PG_URL;
const GOALS = ['broker_cpu_ms_per_mb_single', 'broker_cpu_ms_per_mb_cluster', 'cluster_cpu_ratio', 'redis_ops_per_connect', 'redis_ops_per_charge', 'resume_after_node_kill_ms_p50', 'resume_after_node_kill_ms_p95'];
const CONDITIONS = ['terminals', 'part_bytes', 'chunk_bytes', 'rounds', 'postgres_fsync_on', 'postgres_synchronous_commit_on'];
const servers = requireBinary('redis-server') && requireBinary('haproxy');

describe.skipIf(!pgUrl || !servers)('cluster bench, tiny', () => {
  it('prints every goal metric first and the conditions, each a finite number', async () => {
    const figures = await benchCluster(1_000, { ...CLUSTER_BENCH_TINY, postgresUrl: pgUrl!, log: () => {} });
    expect(figures.slice(0, GOALS.length).map((f) => f.metric)).toEqual(GOALS);
    const names = figures.map((f) => f.metric);
    for (const c of [...CONDITIONS, 'resume_measured_terminals']) expect(names).toContain(c);
    for (const f of figures) expect(Number.isFinite(f.value), f.metric).toBe(true);
    const value = (metric: string) => figures.find((f) => f.metric === metric)!.value;
    expect(value('terminals')).toBe(CLUSTER_BENCH_TINY.terminals);
    expect(value('chunk_bytes')).toBe(16 * 1024);
    // Every terminal fetched the whole part once per round.
    expect(value('payload_bytes_per_round')).toBe(CLUSTER_BENCH_TINY.terminals * CLUSTER_BENCH_TINY.partBytes);
    expect(value('resume_measured_terminals')).toBeGreaterThan(0);
    expect([0, 1]).toContain(value('postgres_fsync_on'));
  }, 300_000);
});

describe('the cluster bench registration and options', () => {
  it('is registered as `fairway bench cluster`', () => {
    expect(BENCHES.cluster?.about).toMatch(/Redis/);
  });

  it('takes PostgreSQL from FAIRWAY_BENCH_PG_URL (unset or empty: a throw-away server), and shrinks with FAIRWAY_BENCH_CLUSTER_TINY=1', () => {
    expect(clusterOptionsFromEnv({ FAIRWAY_BENCH_PG_URL: 'postgres://a/b', FAIRWAY_TEST_PG_URL: 'postgres://c/d' }).postgresUrl).toBe('postgres://a/b');
    expect(clusterOptionsFromEnv({ FAIRWAY_BENCH_PG_URL: '', FAIRWAY_TEST_PG_URL: 'postgres://c/d' }).postgresUrl).toBeUndefined();
    expect(clusterOptionsFromEnv({ FAIRWAY_BENCH_CLUSTER_TINY: '1' }).terminals).toBe(CLUSTER_BENCH_TINY.terminals);
  });

  it('refuses a database that is not PostgreSQL, and sizes that are not positive, before starting anything', () => {
    const base = { ...clusterOptionsFromEnv({}), postgresUrl: 'postgres://x/y' };
    expect(expectKindSync(() => checkClusterOptions({ ...base, postgresUrl: 'sqlite:x.db' }), 'invalid-argument').path).toBe('FAIRWAY_BENCH_PG_URL');
    expectKindSync(() => checkClusterOptions({ ...base, terminals: 0 }), 'invalid-argument');
    expectKindSync(() => checkClusterOptions({ ...base, kills: 4 }), 'invalid-argument');
    expectKindSync(() => checkClusterOptions({ ...base, partBytes: 1_000 }), 'invalid-argument');
    expectKindSync(() => checkClusterOptions({ ...base, outageMs: Number.NaN }), 'invalid-argument');
  });
});

describe('the single node the cluster is compared with', () => {
  it('is a serve process without the cluster flags', () => {
    const single = serveArgs({ nodeId: 'single', dataDir: '/d', databaseUrl: 'postgres://x/y' });
    expect(single).toContain('--db');
    for (const flag of ['--redis', '--node-id', '--store-key']) expect(single).not.toContain(flag);
    const node = serveArgs({ nodeId: 'n1', dataDir: '/d', databaseUrl: 'postgres://x/y', redisUrl: 'redis://r', storeKeyFile: '/k' });
    expect(node.join(' ')).toContain('--redis redis://r --node-id n1 --store-key /k');
  });
});

describe('CPU time of another process', () => {
  it('reads utime + stime after the command name, whatever the name holds', () => {
    const fields = ['S', ...Array.from({ length: 10 }, (_, i) => String(i)), '250', '40', '0'].join(' ');
    expect(parseStatTicks(`1234 (node) ${fields}`)).toBe(290);
    expect(parseStatTicks(`1234 (a) b (c)) ${fields}`)).toBe(290);
  });

  it('grows for this process as it works', () => {
    const before = processCpuMs(process.pid);
    const until = performance.now() + 100;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(processCpuMs(process.pid)).toBeGreaterThan(before);
  });

  it('names a process that is gone', () => {
    expectKindSync(() => processCpuMs(2 ** 22 + 1), 'not-found');
  });
});

describe('Redis command counts', () => {
  const info = '# Commandstats\r\ncmdstat_set:calls=10,usec=50,usec_per_call=5.00\r\ncmdstat_info:calls=7,usec=9\r\ncmdstat_publish:calls=3,usec=9\r\n';

  it('sums every command but INFO', () => {
    const stats = parseCommandStats(info);
    expect(stats.get('set')).toBe(10);
    expect(storeCalls(stats)).toBe(13);
  });

  it('tells what changed per command, INFO left out', () => {
    const after = parseCommandStats(info.replace('calls=10', 'calls=15').replace('calls=7', 'calls=9'));
    expect([...callsDelta(parseCommandStats(info), after)]).toEqual([['set', 5]]);
  });

  it.skipIf(!requireBinary('redis-server'))('on a real Redis: a script is one operation and 1 + its inner commands; INFO is neither', async () => {
    const redis = await startRedis();
    const counter = await RedisCallCounter.connect(redis.url);
    const client = new Redis(redis.url, { enableReadyCheck: false });
    try {
      const before = { commands: storeCalls(await counter.stats()), operations: await counter.operations() };
      await client.eval("redis.call('set', KEYS[1], '1'); redis.call('incr', KEYS[1]); return redis.call('get', KEYS[1])", 1, 'k');
      await client.set('other', 'x');
      await client.info('server');
      const commands = storeCalls(await counter.stats()) - before.commands;
      expect(commands).toBe(1 + 3 + 1);
      expect([...callsDelta(before.operations, await counter.operations())].sort()).toEqual([
        ['eval', 1],
        ['set', 1],
      ]);
    } finally {
      client.disconnect();
      await counter.close();
      await redis.stop();
    }
  });
});

describe('resume after a node kill', () => {
  const kill = 1_000;

  it('counts from the kill to the first chunk stored after the new login, less the back-off drawn', () => {
    const radio = [
      { atMs: 1_010, online: false, retryInMs: 300 },
      { atMs: 1_400, online: false, retryInMs: 600 },
      { atMs: 2_100, online: true },
    ];
    // 1_050 was still in flight from the dead node; 2_300 is the first from the new one.
    expect(resumeAfterKill(kill, radio, [900, 1_050, 2_300, 2_310])).toEqual({ totalMs: 1_300, backoffMs: 900, beyondBackoffMs: 400, detectMs: 10, loginMs: 100, firstChunkMs: 200 });
  });

  it('has no time for a terminal that never logged in again or stored nothing after', () => {
    expect(resumeAfterKill(kill, [{ atMs: 1_010, online: false, retryInMs: 300 }], [2_000])).toBeUndefined();
    expect(resumeAfterKill(kill, [{ atMs: 1_010, online: false, retryInMs: 300 }, { atMs: 1_500, online: true }], [1_200])).toBeUndefined();
    expect(resumeAfterKill(kill, [{ atMs: 1_500, online: true }], [1_600])).toBeUndefined();
  });

  it('takes percentiles by nearest rank', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile(Array.from({ length: 20 }, (_, i) => i + 1), 95)).toBe(19);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});
