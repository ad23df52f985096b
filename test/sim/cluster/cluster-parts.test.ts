/**
 * The pure parts of the cluster harness (sim/cluster), without a cluster: the publish tap
 * reads back what the terminal's MQTT client wrote, a node's log tracks who is connected to
 * it, and the fault plan is a function of its seed.
 */
import { describe, expect, it } from 'vitest';
import { encodePingreq, encodePublish } from '../../../sdk/mqtt/index.js';
import { Xoshiro128StarStar } from '../../../sdk/testing/mocks/seeded-random.js';
import { planFaults } from '../../../sim/cluster/fault-plan.js';
import { NodeLog } from '../../../sim/cluster/node-log.js';
import { parsePublish } from '../../../sim/cluster/publish-tap.js';

describe('parsePublish', () => {
  it('returns the topic and payload of a QoS 0 or 1 PUBLISH, byte for byte, and nothing for other packets', () => {
    const payload = Uint8Array.from({ length: 300 }, (_, i) => i % 251); // a two-byte remaining length
    for (const qos of [0, 1] as const) {
      const packet = encodePublish({ topic: 'fw/v1/hh-0001/up/receipt', payload, qos, ...(qos === 1 ? { packetId: 7 } : {}) });
      expect(parsePublish(packet)).toEqual({ topic: 'fw/v1/hh-0001/up/receipt', payload });
    }
    expect(parsePublish(encodePingreq())).toBeUndefined();
    const whole = encodePublish({ topic: 't', payload, qos: 0 });
    expect(parsePublish(whole.subarray(0, whole.length - 1)), 'a partial packet').toBeUndefined();
  });
});

describe('NodeLog', () => {
  const line = (fields: Record<string, unknown>) => JSON.stringify({ level: 30, ...fields });

  it('knows which devices are connected from the broker’s accept and disconnect lines, and forgets them all when the process dies', () => {
    const log = new NodeLog('n1');
    log.add(line({ msg: 'connect accepted', clientId: 'hh-1', kind: 'device' }), 1);
    log.add(line({ msg: 'connect accepted', clientId: 'hh-2', kind: 'device' }), 1);
    log.add(line({ msg: 'connect accepted', clientId: 'anonymous:x', kind: 'anonymous' }), 1);
    log.add(line({ msg: 'device disconnected', deviceId: 'hh-1' }), 1);
    expect([...log.connectedDevices()]).toEqual(['hh-2']);
    log.forgetConnections();
    expect(log.connectedDevices().size).toBe(0);
  });

  it('keeps every line with its node and incarnation; output that is not JSON is kept as an error line', () => {
    const log = new NodeLog('n2');
    log.add(line({ msg: 'swept lapsed holds', tick: 42 }), 2);
    log.add('TypeError: boom', 2);
    log.add('   ', 2);
    expect(log.find('swept lapsed holds')).toMatchObject([{ node: 'n2', incarnation: 2, tick: 42 }]);
    expect(log.lines.at(-1)).toMatchObject({ level: 50, msg: 'TypeError: boom' });
    expect(log.lines).toHaveLength(2);
  });
});

describe('planFaults', () => {
  const options = { kills: 2, pauses: 1, gapMs: [500, 2_000], leadMs: [1_500, 3_500], killOutageMs: [300, 1_500], pauseMs: 8_000 } as const;
  const draw = (seed: number) => {
    const g = new Xoshiro128StarStar(seed);
    return () => g.nextUint32() / 2 ** 32;
  };

  it('is the same plan for the same seed: the kinds asked for, times within their ranges', () => {
    const plan = planFaults(draw(7), options);
    expect(planFaults(draw(7), options)).toEqual(plan);
    expect(plan.map((f) => f.kind).sort()).toEqual(['kill9', 'kill9', 'pause']);
    for (const f of plan) {
      expect(f.gapMs).toBeGreaterThanOrEqual(500);
      expect(f.gapMs).toBeLessThanOrEqual(2_000);
      expect(f.leadMs).toBeGreaterThanOrEqual(1_500);
      expect(f.leadMs).toBeLessThanOrEqual(3_500);
      if (f.kind === 'pause') expect(f.outageMs).toBe(8_000);
      else expect(f.outageMs).toBeGreaterThanOrEqual(300);
    }
  });

  it('puts the pause in every position for some seed', () => {
    const positions = new Set(Array.from({ length: 30 }, (_, seed) => planFaults(draw(seed), options).findIndex((f) => f.kind === 'pause')));
    expect([...positions].sort()).toEqual([0, 1, 2]);
  });
});
