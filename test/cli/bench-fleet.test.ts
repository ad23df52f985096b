/**
 * `fairway bench fleet` at toy size: a real broker host process, real terminals over loopback
 * TCP, every figure present and sane. The figures themselves are not judged (benches print,
 * they never assert); that the bench measures what it names is.
 */
import { describe, expect, it } from 'vitest';
import { benchFleet, fleetOptionsFromEnv, type FleetBenchOptions } from '../../cli/bench/fleet.js';
import { runLimited } from '../../cli/bench/fleet/limited.js';
import { median } from '../../cli/bench/fleet/loopback-ratio.js';
import { BENCHES } from '../../cli/commands/bench.js';
import { expectKind, expectKindSync } from '../support/expect-fairway.js';

const REQUIRED = ['connected', 'streaming', 'broker_bytes_per_terminal', 'loopback_ratio_to_raw_aedes'];
const SUPPORTING = [
  'loopback_ratio_to_aedes_in_process_publish',
  'loopback_ratio_to_mosquitto',
  'loopback_cpu_per_mb_ratio_to_raw_aedes',
  'mosquitto_pubsub_mb_per_s',
  'mosquitto_pubsub_broker_cpu_ms_per_mb',
  'mosquitto_pubsub_broker_cpu',
  'slow_consumer_throughput_ratio',
  'slow_consumer_dropped_ms',
  'slow_consumer_not_dropped',
  'broker_rss_bytes_under_abuse',
  'broker_rss_bytes_before_abuse',
  'login_per_s_production',
  'resume_per_s',
  'login_rate_failures',
  'connected_peak',
  'connect_failures',
  'login_per_s',
  'login_per_s_scrypt_n',
  'broker_heap_bytes_per_terminal',
  'broker_rss_bytes_connected',
  'streaming_mb_per_s',
  'streaming_slowest_kb_per_s',
  'loopback_mb_per_s',
  'raw_aedes_pubsub_mb_per_s',
  'raw_aedes_in_process_mb_per_s',
  'loopback_broker_cpu_ms_per_mb',
  'raw_aedes_pubsub_broker_cpu_ms_per_mb',
  'raw_aedes_in_process_broker_cpu_ms_per_mb',
  'loopback_broker_cpu',
  'raw_aedes_pubsub_broker_cpu',
  'raw_aedes_in_process_broker_cpu',
  'loopback_client_cpu',
  'raw_aedes_pubsub_client_cpu',
  'raw_aedes_in_process_client_cpu',
  'raw_aedes_pubsub_publisher_cpu',
];
const quiet: Partial<FleetBenchOptions> = { log: () => {} };

describe('fleet bench', () => {
  it('connects, logs in and streams a tiny fleet and reports every figure with sane values', async () => {
    const figures = await benchFleet(1_000, { ...quiet, connected: 20, streaming: 5, loopbackTerminals: 10, ratioRounds: 1, slowConsumerRounds: 1, abuseRequests: 20, productionLogins: 8, publisherClients: 2 });
    expect(figures.map((f) => f.metric)).toEqual([...REQUIRED, ...SUPPORTING]);
    const value = (metric: string): number => figures.find((f) => f.metric === metric)!.value;
    for (const f of figures) expect(Number.isFinite(f.value), f.metric).toBe(true);
    expect(value('connected')).toBe(20);
    expect(value('connected_peak')).toBe(20);
    expect(value('connect_failures')).toBe(0);
    expect(value('streaming')).toBe(5);
    expect(value('login_per_s')).toBeGreaterThan(0);
    expect(value('streaming_mb_per_s')).toBeGreaterThan(0);
    expect(value('streaming_slowest_kb_per_s')).toBeGreaterThan(0);
    // The loopback comparison: all three sides delivered, so both ratios are finite and positive.
    // Mosquitto (the yardstick of issue 12 §8) is installed by .ci/setup-mosquitto.sh: its side ran too.
    for (const metric of ['loopback_mb_per_s', 'raw_aedes_pubsub_mb_per_s', 'raw_aedes_in_process_mb_per_s', 'loopback_ratio_to_raw_aedes', 'loopback_ratio_to_aedes_in_process_publish', 'loopback_ratio_to_mosquitto', 'mosquitto_pubsub_mb_per_s', 'mosquitto_pubsub_broker_cpu_ms_per_mb']) {
      expect(value(metric), metric).toBeGreaterThan(0);
    }
    for (const side of ['loopback', 'raw_aedes_pubsub', 'raw_aedes_in_process']) {
      expect(value(`${side}_broker_cpu`), side).toBeGreaterThan(0);
      expect(value(`${side}_broker_cpu_ms_per_mb`), side).toBeGreaterThan(0);
      expect(value(`${side}_client_cpu`), side).toBeGreaterThan(0);
    }
    // The stalled reader was dropped (after its buffers filled and the 2 s drain timeout), and the others kept streaming.
    expect(value('slow_consumer_not_dropped')).toBe(0);
    expect(value('slow_consumer_dropped_ms')).toBeGreaterThan(0);
    expect(value('slow_consumer_throughput_ratio')).toBeGreaterThan(0);
    // Production-parameter logins and ticket resumptions both happened, all of them, and a resume is the cheaper.
    expect(value('login_rate_failures')).toBe(0);
    expect(value('login_per_s_production')).toBeGreaterThan(0);
    expect(value('resume_per_s')).toBeGreaterThan(value('login_per_s_production'));
    expect(value('login_per_s_scrypt_n')).toBe(1024);
    // The abuse phase ran (what it retains is asserted in test/broker/abuse-memory.test.ts, on the heap, not RSS).
    expect(value('broker_rss_bytes_under_abuse')).toBeGreaterThan(20 * 1024 * 1024);
    // The publishers ran in their own process, which did the publishing work.
    expect(value('raw_aedes_pubsub_publisher_cpu')).toBeGreaterThan(0);
    // A broker process holding its store and aedes is tens of MiB at least.
    expect(value('broker_rss_bytes_connected')).toBeGreaterThan(20 * 1024 * 1024);
    expect(Number.isInteger(value('broker_bytes_per_terminal'))).toBe(true);
  }, 60_000);

  it('is registered as `fairway bench fleet`', () => {
    expect(BENCHES.fleet?.about).toMatch(/connected/);
  });

  it('refuses a non-positive measurement time before starting anything', async () => {
    await expectKind(() => benchFleet(0, quiet), 'invalid-argument');
    await expectKind(() => benchFleet(Number.NaN, quiet), 'invalid-argument');
  });

  it('refuses fleet sizes and budgets that are not positive, and more publisher clients than a yardstick needs', async () => {
    await expectKind(() => benchFleet(1_000, { ...quiet, connected: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, streaming: 2.5 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, loopbackTerminals: -1 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, ratioRounds: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, slowConsumerRounds: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, productionLogins: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, publisherClients: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, publisherClients: 257 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, connectBudgetMs: 0 }), 'invalid-argument');
    await expectKind(() => benchFleet(1_000, { ...quiet, streamBudgetMs: Number.POSITIVE_INFINITY }), 'invalid-argument');
  });
});

describe('fleet bench sizes from the environment', () => {
  it('defaults to the goals: 10,000 connected and 1,000 streaming', () => {
    const options = fleetOptionsFromEnv({});
    expect(options.connected).toBe(10_000);
    expect(options.streaming).toBe(1_000);
    expect(options.loopbackTerminals).toBe(100);
    expect(options.ratioRounds).toBe(5);
    expect(options.slowConsumerRounds).toBe(3);
    expect(options.productionLogins).toBe(200);
    expect(options.publisherClients).toBe(4);
  });

  it('reads FAIRWAY_BENCH_FLEET_CONNECTED and FAIRWAY_BENCH_FLEET_STREAMING', () => {
    const options = fleetOptionsFromEnv({ FAIRWAY_BENCH_FLEET_CONNECTED: '2500', FAIRWAY_BENCH_FLEET_STREAMING: '300' });
    expect(options.connected).toBe(2_500);
    expect(options.streaming).toBe(300);
  });

  it('treats an empty variable as unset', () => {
    expect(fleetOptionsFromEnv({ FAIRWAY_BENCH_FLEET_CONNECTED: '' }).connected).toBe(10_000);
  });

  it.each(['abc', '0', '-3', '1.5', '1e3', '200000', ' '])('refuses %j as a terminal count, naming the variable', (text) => {
    const error = expectKindSync(() => fleetOptionsFromEnv({ FAIRWAY_BENCH_FLEET_STREAMING: text }), 'invalid-argument');
    expect(error.path).toBe('FAIRWAY_BENCH_FLEET_STREAMING');
  });
});

describe('running work with a limit and a deadline', () => {
  it('never runs more than the limit at once and runs every item before the deadline', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const started = await runLimited([1, 2, 3, 4, 5, 6, 7], 3, Number.POSITIVE_INFINITY, async (item) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      done.push(item);
    });
    expect(started).toBe(7);
    expect(most).toBe(3);
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing once the deadline has passed', async () => {
    const seen: number[] = [];
    const started = await runLimited([1, 2, 3], 2, performance.now() - 1, async (item) => {
      seen.push(item);
    });
    expect(started).toBe(0);
    expect(seen).toEqual([]);
  });
});

describe('the median of the rounds', () => {
  it('is the middle value of an odd count, whatever the order', () => {
    expect(median([0.9, 0.2, 0.5])).toBe(0.5);
  });

  it('is the mean of the two middle values of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('is NaN for no rounds at all', () => {
    expect(median([])).toBeNaN();
  });
});
