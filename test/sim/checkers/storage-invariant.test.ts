/**
 * The storage invariant can fail: the simulated flash refuses a write past its capacity, and
 * the checker reports any such refusal — the sign that something wrote without a reservation.
 */
import { describe, expect, it } from 'vitest';
import { storageInvariant, type CheckedTerminal } from '../../../sim/checkers/invariants.js';
import { SimClock, SimFlash, SimRandom } from '../../../sim/hal/index.js';

function terminalWith(flash: SimFlash): CheckedTerminal {
  return { id: 'hh-1', flash } as unknown as CheckedTerminal;
}

describe('the storage invariant', () => {
  it('holds while every write fits', async () => {
    const flash = SimFlash.create({ capacityBytes: 100, time: new SimClock(), random: SimRandom.fromSeed(1) });
    await flash.write('a', 0, new Uint8Array(100));
    expect((await storageInvariant([terminalWith(flash)])).held).toBe(true);
  });

  it('breaks, naming the terminal, once the flash had to refuse a write for capacity', async () => {
    const flash = SimFlash.create({ capacityBytes: 100, time: new SimClock(), random: SimRandom.fromSeed(1) });
    await expect(flash.write('a', 0, new Uint8Array(101))).rejects.toMatchObject({ kind: 'capacity-exceeded' });
    const result = await storageInvariant([terminalWith(flash)]);
    expect(result.held).toBe(false);
    expect(result.detail).toContain('hh-1');
    expect(result.detail).toContain('1 writes refused');
  });

  it('checks a terminal that is off at the end of the run, from what its flash holds', async () => {
    const flash = SimFlash.create({ capacityBytes: 100, time: new SimClock(), random: SimRandom.fromSeed(1) });
    await flash.write('a', 0, new Uint8Array(60));
    flash.powerCut();
    const result = await storageInvariant([terminalWith(flash)]);
    expect(result.held).toBe(true);
  });
});
