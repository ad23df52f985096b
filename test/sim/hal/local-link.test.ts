/**
 * The radio between two handhelds [FW-14]: the same radio model, with the far end a pulled
 * LinkConnection that a host handheld serves, instead of a broker's stream.
 */
import { describe, expect, it } from 'vitest';
import type { LinkConnection } from '../../../sdk/hal/link.js';
import { expectRejection } from '../../../sdk/testing/expect-error.js';
import { RadioLink, resolveProfile, SimClock, SimRandom } from '../../../sim/hal/index.js';
import { seed } from '../../support/seed.js';
import { runUntilSettled } from './support/drive.js';

function localPair(profileOverrides: Parameters<typeof resolveProfile>[0] = 'local-wireless') {
  const time = new SimClock();
  const hostEnds: { conn: LinkConnection; peer: string }[] = [];
  const link = new RadioLink(resolveProfile(profileOverrides), time, SimRandom.fromSeed(seed).fork('local'), { host: (conn, peer) => hostEnds.push({ conn, peer }) }, { peerName: 'peer-1' });
  return { time, link, hostEnds };
}

async function readAtLeast(conn: LinkConnection, length: number): Promise<Uint8Array> {
  const parts: number[] = [];
  while (parts.length < length) {
    const piece = await conn.read();
    if (piece === null) break;
    parts.push(...piece);
  }
  return Uint8Array.from(parts);
}

describe('local radio link between handhelds', () => {
  it('hands the host a pulled connection and carries bytes both ways', async () => {
    const { time, link, hostEnds } = localPair({ preset: 'local-wireless', dropIntervalMsMean: 0, badStateEnterProbability: 0 });
    const peer = await runUntilSettled(time, link.connect());
    expect(hostEnds).toHaveLength(1);
    const host = hostEnds[0]!;
    expect(host.peer).toBe('peer-1#0');
    await runUntilSettled(time, peer.write(Uint8Array.of(1, 2, 3)));
    expect([...(await runUntilSettled(time, readAtLeast(host.conn, 3)))]).toEqual([1, 2, 3]);
    const big = new Uint8Array(100_000).fill(9);
    const startMs = time.monotonicMs();
    const [got] = await runUntilSettled(time, Promise.all([readAtLeast(peer, big.length), host.conn.write(big)]));
    expect(got.length).toBe(big.length);
    // 800,000 bits at 1 Mbit/s: 800 ms, plus the 10 ms ± 5 latency.
    expect(time.monotonicMs() - startMs).toBeGreaterThanOrEqual(800);
    expect(time.monotonicMs() - startMs).toBeLessThan(900);
  });

  it('ends cleanly either way: what was sent arrives, then end of stream', async () => {
    const { time, link, hostEnds } = localPair({ preset: 'local-wireless', dropIntervalMsMean: 0, badStateEnterProbability: 0 });
    const peer = await runUntilSettled(time, link.connect());
    const host = hostEnds[0]!.conn;
    await runUntilSettled(time, host.write(Uint8Array.of(7)));
    await host.close();
    expect([...(await runUntilSettled(time, readAtLeast(peer, 2)))]).toEqual([7]);
    expect(await runUntilSettled(time, peer.read())).toBeNull();

    const second = await runUntilSettled(time, link.connect());
    await second.close();
    expect(await runUntilSettled(time, hostEnds[1]!.conn.read())).toBeNull();
    expect(link.openConnectionCount).toBe(0);
  });

  it('resets both ends when the peer walks out of range', async () => {
    const { time, link, hostEnds } = localPair({ preset: 'local-wireless', dropIntervalMsMean: 0, badStateEnterProbability: 0 });
    const peer = await runUntilSettled(time, link.connect());
    const host = hostEnds[0]!.conn;
    const hostRead = host.read();
    const peerRead = peer.read();
    link.dropNow();
    await expectRejection(() => hostRead, ['link-reset']);
    await expectRejection(() => peerRead, ['link-reset']);
    await expectRejection(() => host.write(Uint8Array.of(1)), ['link-reset', 'closed']);
    expect(link.stats().drops).toBe(1);
  });

  it('refuses an attach that is neither a function nor a host', () => {
    expect(() => new RadioLink(resolveProfile('local-wireless'), new SimClock(), SimRandom.fromSeed(seed), {} as never)).toThrow(/attach must be/);
  });
});
