/**
 * `fairway bench link` and `fairway bench ttfp` at toy sizes: the real store and terminal
 * runtime over modelled radio links in virtual time. Goals are not judged here (benches print,
 * they never assert); that each figure is present, finite and physically possible is, and
 * that one seed gives the same figures twice.
 */
import { describe, expect, it } from 'vitest';
import { benchLink, cleanProfile, seedFromEnv, type LinkBenchOptions } from '../../cli/bench/link.js';
import { UpGoodMeter } from '../../cli/bench/link/up-good-meter.js';
import { benchTtfp, type TtfpBenchOptions } from '../../cli/bench/ttfp.js';
import { BENCHES } from '../../cli/commands/bench.js';
import type { Figure } from '../../cli/bench/format.js';
import { RadioLink, resolveProfile, SimClock, SimRandom } from '../../sim/hal/index.js';
import type { RadioProfile } from '../../sim/hal/index.js';
import { expectKind } from '../support/expect-fairway.js';
import { seed } from '../support/seed.js';

const LINK_REQUIRED = ['goodput_ratio_clean', 'speedup_vs_stop_and_wait_100ms', 'speedup_vs_stop_and_wait_600ms', 'goodput_ratio_weak'];
const TTFP_REQUIRED = ['ratio_to_limit', 'ratio_to_whole_title'];
const quiet = { log: () => {} };
const tinyLink: Partial<LinkBenchOptions> = { ...quiet, seed, partBytes: 128 * 1024, weakPartBytes: 64 * 1024 };
const tinyTtfp: Partial<TtfpBenchOptions> = { ...quiet, seed, holes: 3, engineBytes: 64 * 1024, holeBytes: 16 * 1024 };

function valueOf(figures: Figure[], metric: string): number {
  const figure = figures.find((f) => f.metric === metric);
  if (!figure) throw new Error(`no figure ${metric}`);
  return figure.value;
}

describe(`link bench (FAIRWAY_SEED=${seed})`, () => {
  it('reports every goal metric first, each finite, with the clean-link ratio in (0, 1.05]', async () => {
    const figures = await benchLink(1_000, tinyLink);
    expect(figures.slice(0, LINK_REQUIRED.length).map((f) => f.metric)).toEqual(LINK_REQUIRED);
    for (const f of figures) expect(Number.isFinite(f.value), f.metric).toBe(true);
    const clean = valueOf(figures, 'goodput_ratio_clean');
    expect(clean).toBeGreaterThan(0);
    expect(clean).toBeLessThanOrEqual(1.05);
    expect(valueOf(figures, 'goodput_ratio_weak')).toBeGreaterThan(0);
    expect(valueOf(figures, 'seed')).toBe(seed);
  }, 30_000);

  it('times a stop-and-wait baseline no faster than one round trip per 4 KiB block, and slower than the terminal', async () => {
    const figures = await benchLink(1_000, tinyLink);
    const blocks = (128 * 1024) / 4096;
    expect(valueOf(figures, 'stop_and_wait_download_ms_100ms')).toBeGreaterThanOrEqual(blocks * 100);
    expect(valueOf(figures, 'stop_and_wait_download_ms_600ms')).toBeGreaterThanOrEqual(blocks * 600);
    expect(valueOf(figures, 'speedup_vs_stop_and_wait_100ms')).toBeGreaterThan(1);
    // A longer round trip costs stop-and-wait on every block, the pipelined terminal about once.
    expect(valueOf(figures, 'speedup_vs_stop_and_wait_600ms')).toBeGreaterThan(valueOf(figures, 'speedup_vs_stop_and_wait_100ms'));
    // The weak radio's usable time is part of its up time, which is part of the download.
    expect(valueOf(figures, 'weak_good_up_time_ms')).toBeLessThanOrEqual(valueOf(figures, 'weak_up_time_ms'));
    expect(valueOf(figures, 'weak_up_time_ms')).toBeLessThanOrEqual(valueOf(figures, 'weak_download_ms'));
  }, 30_000);

  it('refuses a part smaller than one chunk, a fractional size and a negative seed before starting anything', async () => {
    await expectKind(() => benchLink(1_000, { ...quiet, partBytes: 1_000 }), 'invalid-argument');
    await expectKind(() => benchLink(1_000, { ...quiet, weakPartBytes: 70_000.5 }), 'invalid-argument');
    await expectKind(() => benchLink(1_000, { ...quiet, seed: -1 }), 'invalid-argument');
  });
});

describe(`ttfp bench (FAIRWAY_SEED=${seed})`, () => {
  it('reports both goal metrics first, each finite, never beating the physical limit', async () => {
    const figures = await benchTtfp(1_000, tinyTtfp);
    expect(figures.slice(0, TTFP_REQUIRED.length).map((f) => f.metric)).toEqual(TTFP_REQUIRED);
    for (const f of figures) expect(Number.isFinite(f.value), f.metric).toBe(true);
    expect(valueOf(figures, 'ratio_to_limit')).toBeGreaterThanOrEqual(1);
    expect(valueOf(figures, 'ttfp_ms')).toBeGreaterThanOrEqual(valueOf(figures, 'limit_ms'));
    const toWhole = valueOf(figures, 'ratio_to_whole_title');
    expect(toWhole).toBeGreaterThan(0);
    expect(toWhole).toBeLessThan(1);
    expect(valueOf(figures, 'parts')).toBe(3);
    expect(valueOf(figures, 'first_request_ms')).toBeGreaterThanOrEqual(valueOf(figures, 'first_request_limit_ms'));
  }, 30_000);

  it('gives the same figures for the same seed', async () => {
    expect(await benchTtfp(1_000, tinyTtfp)).toEqual(await benchTtfp(1_000, tinyTtfp));
  }, 30_000);

  it('refuses an unknown preset and a hole count outside 1–99 before starting anything', async () => {
    await expectKind(() => benchTtfp(1_000, { ...quiet, preset: 'carrier-pigeon' as never }), 'invalid-argument');
    await expectKind(() => benchTtfp(1_000, { ...quiet, holes: 0 }), 'invalid-argument');
    await expectKind(() => benchTtfp(1_000, { ...quiet, holes: 100 }), 'invalid-argument');
    await expectKind(() => benchTtfp(1_000, { ...quiet, seed: 1.5 }), 'invalid-argument');
  });
});

describe('up-and-good time of a radio link', () => {
  /** A link into a sink that reads and discards, with one connection held open for `openMs`. */
  async function meterOver(profile: RadioProfile, openMs: number): Promise<UpGoodMeter> {
    const time = new SimClock();
    const link = new RadioLink(profile, time, SimRandom.fromSeed(seed).fork('meter'), (stream) => {
      stream.on('error', () => {});
      stream.resume();
    });
    const meter = new UpGoodMeter(link, time, 0);
    meter.start();
    let connection: Awaited<ReturnType<RadioLink['connect']>> | undefined;
    void link.connect().then((c) => (connection = c));
    await time.runUntil({ until: () => connection !== undefined });
    await time.advance(openMs);
    await connection?.close();
    await time.advance(1_000);
    meter.stop();
    return meter;
  }

  it('counts all of the up time on a link that never stalls, and none of the connect delay', async () => {
    const meter = await meterOver(cleanProfile(100), 10_000);
    expect(meter.upTimeMs).toBe(10_000);
    expect(meter.goodUpTimeMs).toBe(10_000);
  });

  it('leaves out the stalls of a link that is bad a third of the time', async () => {
    const profile = resolveProfile({ preset: '3g', badStateEnterProbability: 0.25, badStateExitProbability: 0.5 });
    const meter = await meterOver(profile, 60_000);
    expect(meter.upTimeMs).toBe(60_000);
    // Bad 1/3 of the time on average: over 600 steps the share lies well inside (15 %, 50 %).
    expect(meter.goodUpTimeMs).toBeGreaterThan(0.5 * 60_000);
    expect(meter.goodUpTimeMs).toBeLessThan(0.85 * 60_000);
  });
});

describe('bench registry', () => {
  it('offers `fairway bench link` and `fairway bench ttfp`', () => {
    expect(BENCHES.link?.about).toMatch(/stop-and-wait/);
    expect(BENCHES.ttfp?.about).toMatch(/first play/);
  });
});

describe('the link bench seed', () => {
  it('takes FAIRWAY_BENCH_SEED when given, the fixed default otherwise, and refuses anything but a u32', () => {
    expect(seedFromEnv({})).toBe(20_261_123);
    expect(seedFromEnv({ FAIRWAY_BENCH_SEED: '' })).toBe(20_261_123);
    expect(seedFromEnv({ FAIRWAY_BENCH_SEED: '7' })).toBe(7);
    for (const bad of ['x', '-1', '1.5', '4294967296']) expect(() => seedFromEnv({ FAIRWAY_BENCH_SEED: bad })).toThrow(/FAIRWAY_BENCH_SEED must be/);
  });
});
