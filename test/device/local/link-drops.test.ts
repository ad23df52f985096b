/**
 * FW-14.4: after a drop of the local link the peer reconnects, rejoins (same seat) and asks
 * only for what is missing — at most the one window that was in flight is fetched again — and
 * the part it ends with is exactly the hosted one. Other peers are not affected.
 */
import { describe, expect, it } from 'vitest';
import { Xoshiro128StarStar } from '../../../sdk/testing/mocks/index.js';
import { seed } from '../../support/seed.js';
import { expectSameBytes } from '../download/support/bytes.js';
import { CHUNKS, hostFixture, peerFixture, settle } from './support/local-fixture.js';

const WINDOW_MAX = 8;

describe('a peer resumes after its link drops (FW-14.4)', () => {
  it('re-fetches at most the one window in flight when the link resets mid-stream', async () => {
    const fx = await hostFixture({ chunkDelayMs: 20 });
    const peer = await peerFixture(fx, 1, { downloadConfig: { maxWindowsInFlight: 1 } });
    let received = false;
    void peer.session.receive().then(() => (received = true));
    await settle(fx.clock, () => (peer.session.progress()?.receivedChunks ?? 0) >= 10, 10);
    await peer.farEnds[0]!.reset();
    await settle(fx.clock, () => received, 10);
    const progress = peer.session.progress()!;
    expect(peer.session.stats.drops).toBe(1);
    expect(progress.resentChunks).toBeGreaterThan(0);
    expect(progress.resentChunks).toBeLessThanOrEqual(WINDOW_MAX);
    expect(progress.requestedChunks).toBeLessThanOrEqual(CHUNKS + WINDOW_MAX);
    expectSameBytes(await peer.parts.read('golf-h02', 'data', 0, fx.part.bytes.length), fx.part.bytes);
  });

  it(`survives drops at seeded moments while another peer streams undisturbed (seed ${seed})`, async () => {
    const random = new Xoshiro128StarStar(seed);
    const fx = await hostFixture({ chunkDelayMs: 5 });
    const [flaky, steady] = await Promise.all([peerFixture(fx, 1), peerFixture(fx, 2)]);
    const received = new Set<string>();
    void flaky.session.receive().then(() => received.add(flaky.id));
    void steady.session.receive().then(() => received.add(steady.id));
    let drops = 0;
    const resetEnds = new Set<unknown>();
    for (let step = 0; step < 4000 && received.size < 2; step++) {
      await settle(fx.clock, () => true);
      fx.clock.advance(10);
      const live = flaky.farEnds[flaky.farEnds.length - 1];
      if (drops < 4 && !received.has(flaky.id) && live && !resetEnds.has(live) && random.nextUint32() % 4 === 0) {
        resetEnds.add(live);
        await live.reset();
        drops++;
      }
    }
    expect(received.size, `seed ${seed}`).toBe(2);
    expect(drops, `seed ${seed}`).toBeGreaterThan(0);
    expect(flaky.session.stats.drops).toBe(drops);
    expect(steady.session.stats.drops).toBe(0);
    expect(steady.session.progress()!.resentChunks).toBe(0);
    for (const peer of [flaky, steady]) expectSameBytes(await peer.parts.read('golf-h02', 'data', 0, fx.part.bytes.length), fx.part.bytes, peer.id);
    expect(fx.host.seatList().map((s) => s.peer).sort()).toEqual(['peer-1', 'peer-2']);
  });

  it('keeps trying while the host is out of reach, and resumes when it is back', async () => {
    const fx = await hostFixture({ chunkDelayMs: 20 });
    const peer = await peerFixture(fx, 1);
    let received = false;
    void peer.session.receive().then(() => (received = true));
    await settle(fx.clock, () => (peer.session.progress()?.receivedChunks ?? 0) >= 5, 10);
    peer.link.refuseConnections();
    await peer.farEnds[0]!.reset();
    fx.clock.advance(30_000);
    await settle(fx.clock, () => true);
    expect(received).toBe(false);
    expect(peer.session.state).toBe('streaming');
    peer.link.acceptConnections();
    await settle(fx.clock, () => received, 50);
    expect(peer.session.stats.connects).toBe(2);
  });
});
