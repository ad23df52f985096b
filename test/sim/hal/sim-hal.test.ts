import { describe, expect, it } from 'vitest';
import { RADIO_PRESETS, SimClock, SimRandom, simHal } from '../../../sim/hal/index.js';
import { toHex } from '../../../sdk/testing/bytes.js';
import { expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';

const ignoreBroker = (): void => undefined;

function terminal(label: string, runSeed = seed) {
  return simHal({ time: new SimClock(), random: SimRandom.fromSeed(runSeed).fork(label), profile: 'gprs', flashBytes: 64 * 1024, attach: ignoreBroker });
}

describe(`simHal (FAIRWAY_SEED=${seed})`, () => {
  it('builds one terminal: flash of the given size, the radio profile, the clock it was given', async () => {
    const time = new SimClock();
    const { hal, flash, link } = simHal({ time, random: SimRandom.fromSeed(seed), profile: { preset: 'edge', latencyMsMean: 50 }, flashBytes: 4096, attach: ignoreBroker });
    expect(hal.clock).toBe(time);
    expect(hal.storage).toBe(flash);
    expect(hal.link).toBe(link);
    expect(await hal.storage.usage()).toEqual({ capacityBytes: 4096, usedBytes: 0 });
    expect(link.profile).toEqual({ ...RADIO_PRESETS.edge, latencyMsMean: 50 });
  });

  it('gives a terminal the same key and random bytes for the same seed and label, and others for another label', () => {
    const identity = (label: string, runSeed = seed) => {
      const { hal } = terminal(label, runSeed);
      return `${toHex(hal.signer.publicKey)} ${toHex(hal.crypto.randomBytes(16))}`;
    };
    expect(identity('terminal-1')).toBe(identity('terminal-1'));
    expect(identity('terminal-1')).not.toBe(identity('terminal-2'));
    expect(identity('terminal-1')).not.toBe(identity('terminal-1', seed + 1));
  });

  it('times flash writes when given a write speed', async () => {
    const time = new SimClock();
    const { flash } = simHal({ time, random: SimRandom.fromSeed(seed), profile: '4g', flashBytes: 4096, flashWriteBytesPerMs: 10, attach: ignoreBroker });
    let done = false;
    void flash.write('blob', 0, new Uint8Array(100)).then(() => (done = true));
    await time.runUntil({ atMs: 9 });
    expect(done).toBe(false);
    await time.runUntil({ atMs: 10 });
    expect(done).toBe(true);
  });

  it('refuses a bad profile or flash size, naming the problem', () => {
    const base = { time: new SimClock(), random: SimRandom.fromSeed(seed), flashBytes: 4096, attach: ignoreBroker };
    expect(expectKindSync(() => simHal({ ...base, profile: { latencyMsMean: -5 } }), 'out-of-range').path).toBe('latencyMsMean');
    expectKindSync(() => simHal({ ...base, profile: 'nbiot' as never }), 'invalid-argument');
    expectKindSync(() => simHal({ ...base, profile: '4g', flashBytes: -1 }), 'invalid-argument');
  });
});
