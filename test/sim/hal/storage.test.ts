import { describe, expect, it } from 'vitest';
import { SimClock, SimFlash, SimRandom } from '../../../sim/hal/index.js';
import { patternBytes } from '../../../sdk/testing/bytes.js';
import { describeStorageConformance } from '../../../sdk/testing/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';
import { driveInBackground, runUntilSettled } from './support/drive.js';

const CAPACITY_BYTES = 4096;

describeStorageConformance(async () => {
  const flash = SimFlash.create({ capacityBytes: CAPACITY_BYTES, time: new SimClock(), random: SimRandom.fromSeed(seed) });
  return { storage: flash, capacityBytes: CAPACITY_BYTES, reopen: () => flash.reopen() };
}, 'SimFlash (instant): Storage conformance');

describeStorageConformance(async () => {
  const time = new SimClock();
  const driver = driveInBackground(time);
  const flash = SimFlash.create({ capacityBytes: CAPACITY_BYTES, time, random: SimRandom.fromSeed(seed), writeBytesPerMs: 64, removeMs: 3 });
  return { storage: flash, capacityBytes: CAPACITY_BYTES, reopen: () => flash.reopen(), cleanup: () => driver.stop() };
}, 'SimFlash (timed writes and erases): Storage conformance');

function timedFlash(streamSeed = seed): { time: SimClock; flash: SimFlash } {
  const time = new SimClock();
  return { time, flash: SimFlash.create({ capacityBytes: 1 << 20, time, random: SimRandom.fromSeed(streamSeed).fork('flash'), writeBytesPerMs: 100 }) };
}

describe(`SimFlash (FAIRWAY_SEED=${seed})`, () => {
  it('takes bytes ÷ writeBytesPerMs of virtual time per write, one write after another', async () => {
    const { time, flash } = timedFlash();
    const doneAt: number[] = [];
    const first = flash.write('a', 0, new Uint8Array(1_000)).then(() => doneAt.push(time.monotonicMs()));
    const second = flash.write('b', 0, new Uint8Array(500)).then(() => doneAt.push(time.monotonicMs()));
    await runUntilSettled(time, Promise.all([first, second]));
    expect(doneAt).toEqual([10, 15]);
  });

  it('takes removeMs of virtual time per remove', async () => {
    const time = new SimClock();
    const flash = SimFlash.create({ capacityBytes: 100, time, random: SimRandom.fromSeed(seed), removeMs: 25 });
    await flash.write('a', 0, Uint8Array.of(1));
    await runUntilSettled(time, flash.remove('a'));
    expect(time.monotonicMs()).toBe(25);
  });

  it('keeps a write that resolved across a power cut', async () => {
    const { time, flash } = timedFlash();
    const data = patternBytes(2_000, 1);
    await runUntilSettled(time, flash.write('part', 0, data));
    flash.powerCut();
    const rebooted = flash.powerOn();
    expect(await rebooted.read('part', 0, 5_000)).toEqual(data);
    expect(await rebooted.usage()).toEqual({ capacityBytes: 1 << 20, usedBytes: 2_000 });
  });

  it('lands only a proper prefix of a write cut in flight, and rejects it with closed', async () => {
    const { time, flash } = timedFlash();
    const old = patternBytes(1_000, 2);
    const fresh = patternBytes(1_000, 3);
    await runUntilSettled(time, flash.write('part', 0, old));
    const cut = flash.write('part', 0, fresh);
    await time.runUntil({ atMs: time.monotonicMs() + 4 });
    flash.powerCut();
    await expectKind(() => cut, 'closed');
    const after = await flash.powerOn().read('part', 0, 1_000);
    let landed = 0;
    while (landed < 1_000 && after[landed] === fresh[landed]) landed++;
    expect(landed).toBeLessThan(1_000);
    expect(after.subarray(landed)).toEqual(old.subarray(landed));
    expect(flash.tornWriteCount).toBe(1);
  });

  it('tears the same write at the same byte for the same seed, and varies it with the seed', async () => {
    const tornAt = async (streamSeed: number): Promise<number> => {
      const { time, flash } = timedFlash(streamSeed);
      const write = flash.write('fresh', 0, patternBytes(5_000, 4));
      await time.runUntil({ atMs: 20 });
      flash.powerCut();
      await write.catch(() => undefined);
      return (await flash.powerOn().list())[0]?.sizeBytes ?? 0;
    };
    expect(await tornAt(seed)).toBe(await tornAt(seed));
    const sizes = new Set(await Promise.all([1, 2, 3, 4, 5, 6].map((s) => tornAt(seed + s))));
    expect(sizes.size).toBeGreaterThan(1);
  });

  it('rejects with closed every call queued behind the cut and every call after it', async () => {
    const { time, flash } = timedFlash();
    await runUntilSettled(time, flash.write('keep', 0, Uint8Array.of(1)));
    const inFlight = flash.write('a', 0, new Uint8Array(100));
    const queued = [flash.write('b', 0, Uint8Array.of(1)), flash.read('keep', 0, 1), flash.remove('keep'), flash.list()];
    flash.powerCut();
    await expectKind(() => inFlight, 'closed');
    for (const call of queued) await expectKind(() => call, 'closed');
    await expectKind(() => flash.read('keep', 0, 1), 'closed');
    await expectKind(() => flash.write('keep', 0, Uint8Array.of(2)), 'closed');
    await expectKind(() => flash.usage(), 'closed');
    expect(flash.powered).toBe(false);
    const rebooted = flash.powerOn();
    expect(await rebooted.read('keep', 0, 1)).toEqual(Uint8Array.of(1));
    await expectKind(() => rebooted.read('b', 0, 1), 'not-found');
  });

  it('leaves a blob whose erase the power cut interrupted', async () => {
    const time = new SimClock();
    const flash = SimFlash.create({ capacityBytes: 100, time, random: SimRandom.fromSeed(seed), removeMs: 50 });
    await flash.write('a', 0, Uint8Array.of(7));
    const removing = flash.remove('a');
    await time.runUntil({ atMs: 10 });
    flash.powerCut();
    await expectKind(() => removing, 'closed');
    await time.runUntil({});
    expect(await flash.powerOn().read('a', 0, 1)).toEqual(Uint8Array.of(7));
  });

  it('keeps the handle from before a power cut dead after power returns', async () => {
    const { flash } = timedFlash();
    flash.powerCut();
    const rebooted = flash.powerOn();
    await expectKind(() => flash.list(), 'closed');
    expect(await rebooted.list()).toEqual([]);
  });

  it('refuses powerOn() with power on, and reopen() without power, with invalid-argument', async () => {
    const { flash } = timedFlash();
    expectKindSync(() => flash.powerOn(), 'invalid-argument');
    flash.powerCut();
    await expectKind(() => flash.reopen(), 'invalid-argument');
  });

  it('refuses a bad capacity, write speed or erase time with invalid-argument', () => {
    const time = new SimClock();
    const random = SimRandom.fromSeed(seed);
    expectKindSync(() => SimFlash.create({ capacityBytes: -1, time, random }), 'invalid-argument');
    expectKindSync(() => SimFlash.create({ capacityBytes: 1.5, time, random }), 'invalid-argument');
    expectKindSync(() => SimFlash.create({ capacityBytes: 10, time, random, writeBytesPerMs: 0 }), 'invalid-argument');
    expectKindSync(() => SimFlash.create({ capacityBytes: 10, time, random, writeBytesPerMs: Number.NaN }), 'invalid-argument');
    expectKindSync(() => SimFlash.create({ capacityBytes: 10, time, random, removeMs: -1 }), 'invalid-argument');
  });
});
