import { describe, expect, it } from 'vitest';
import { ChunkPump, type WindowJob } from '../../broker/service/chunk-pump.js';

function job(deviceId: string, indexes: number[], rid = 1): WindowJob {
  return { deviceId, rid, transfer: new Uint8Array(16), indexes: [...indexes], read: async (i) => new Uint8Array([i]) };
}

describe('chunk pump', () => {
  it('sends every asked chunk once, in ascending order per window', async () => {
    const sent: [string, number][] = [];
    const pump = new ChunkPump(async (d, c) => void sent.push([d, c.index]), { inFlight: 4 });
    pump.enqueue(job('a', [0, 1, 2, 5]));
    await pump.idle();
    expect(sent).toEqual([['a', 0], ['a', 1], ['a', 2], ['a', 5]]);
  });

  it('sends a device’s chunks in ascending order even when a later read finishes first [FW-4.6.3]', async () => {
    const sent: number[] = [];
    const pump = new ChunkPump(async (_d, c) => void sent.push(c.index), { inFlight: 8 });
    // Earlier chunks take longer to read (a cold disk): reads finish 5, 4, 3, … 0.
    const slow: WindowJob = { ...job('a', [0, 1, 2, 3, 4, 5]), read: (i) => new Promise((r) => setTimeout(() => r(new Uint8Array([i])), (6 - i) * 5)) };
    pump.enqueue(slow);
    await pump.idle();
    expect(sent).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('takes devices in turn so a big window cannot starve small ones', async () => {
    const sent: string[] = [];
    const pump = new ChunkPump(async (d) => void sent.push(d), { inFlight: 1 });
    pump.enqueue(job('big', Array.from({ length: 100 }, (_, i) => i)));
    pump.enqueue(job('small1', [0, 1]));
    pump.enqueue(job('small2', [0]));
    await pump.idle();
    // With one send in flight the first goes to `big`; after that the rotation serves each in turn.
    expect(sent.slice(0, 7)).toEqual(['big', 'big', 'small1', 'small2', 'big', 'small1', 'big']);
    expect(sent.filter((d) => d === 'big')).toHaveLength(100);
  });

  it('never has more sends in flight than its bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const pump = new ChunkPump(async () => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
    }, { inFlight: 3 });
    for (let d = 0; d < 10; d++) pump.enqueue(job(`d${d}`, [0, 1, 2, 3]));
    await pump.idle();
    expect(peak).toBe(3);
  });

  it('drops a device’s windows when it disconnects, and goes on serving others after a read failure', async () => {
    const sent: string[] = [];
    const failed: string[] = [];
    const pump = new ChunkPump(async (d) => void sent.push(d), { inFlight: 1 }, undefined, async (j) => void failed.push(j.deviceId));
    pump.enqueue(job('gone', [0, 1, 2, 3]));
    pump.enqueue({ ...job('broken', [0]), read: async () => Promise.reject(new Error('disk')) });
    pump.enqueue(job('ok', [0]));
    pump.cancel('gone');
    await pump.idle();
    expect(sent.filter((d) => d === 'gone').length).toBeLessThanOrEqual(1);
    expect(failed).toEqual(['broken']);
    expect(sent).toContain('ok');
  });

  it('answers a window whose read fails once, after the chunks read before it, and sends nothing more of it', async () => {
    const events: string[] = [];
    const reads: number[] = [];
    const pump = new ChunkPump(
      async (_d, c) => void events.push(`chunk ${c.rid}/${c.index}`),
      { inFlight: 4 },
      (_d, e) => void events.push(`send error ${String(e)}`),
      async (j, e) => void events.push(`window ${j.rid} failed: ${(e as Error).message}`),
    );
    const broken: WindowJob = {
      ...job('a', Array.from({ length: 40 }, (_, i) => i), 7),
      read: async (i) => {
        reads.push(i);
        if (i >= 3) throw new Error(`no chunk ${i}`);
        // Earlier chunks are slower, so the failures arrive first: order must still hold.
        await new Promise((r) => setTimeout(r, 10 - i));
        return new Uint8Array([i]);
      },
    };
    pump.enqueue(broken);
    pump.enqueue(job('a', [0, 1], 8));
    await pump.idle();
    expect(events).toEqual(['chunk 7/0', 'chunk 7/1', 'chunk 7/2', 'window 7 failed: no chunk 3', 'chunk 8/0', 'chunk 8/1']);
    // The window stopped reading when its first read failed, not after reading all 40.
    expect(reads.length).toBeLessThan(10);
  });

  it('lets a terminal whose sends hang (it stopped reading) hold only its own share of the sends in flight [issue 12 §7]', async () => {
    const sent: string[] = [];
    let release!: () => void;
    const frozen = new Promise<void>((resolve) => (release = resolve));
    let stuck = 0;
    const pump = new ChunkPump(
      async (d, c) => {
        if (d === 'stalled') {
          stuck++;
          await frozen; // its socket is full until the broker cuts it
        }
        sent.push(`${d}/${c.index}`);
      },
      { inFlight: 8, inFlightPerDevice: 2 },
    );
    pump.enqueue(job('stalled', Array.from({ length: 50 }, (_, i) => i)));
    for (let d = 0; d < 5; d++) pump.enqueue(job(`d${d}`, Array.from({ length: 20 }, (_, i) => i)));
    await new Promise((r) => setTimeout(r, 50));
    // Everyone else got everything while the stalled terminal held two sends.
    expect(sent.filter((s) => !s.startsWith('stalled'))).toHaveLength(100);
    expect(stuck).toBe(1); // its second send waits behind the first, in order
    expect(pump.streamingDevices).toBe(1);
    pump.cancel('stalled');
    release();
    await pump.idle();
    expect(sent.filter((s) => s.startsWith('stalled'))).toEqual(['stalled/0', 'stalled/1']);
  });
});
