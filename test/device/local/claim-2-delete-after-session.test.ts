/**
 * Seed 000 claims 2 and 9: terminals that received the part from the host delete it when the
 * service ends — on the host's `end`, when their own clock passes the licence's exp, and at the
 * next start for a session that was cut [FW-14.6].
 */
import { describe, expect, it } from 'vitest';
import { PeerSession, readHostedRecord } from '../../../device/local/index.js';
import { StorageManager } from '../../../device/storage/index.js';
import { footprint, hostFixture, openPeerStorage, peerFixture, settle } from './support/local-fixture.js';

describe('peers delete the hosted part after the session (claims 2, 9)', () => {
  it('returns every peer’s storage to its baseline when the host ends the session', async () => {
    const fx = await hostFixture({ seats: 3 });
    const peers = await Promise.all([1, 2, 3].map((i) => peerFixture(fx, i)));
    const baselines = await Promise.all(peers.map((p) => footprint(p.storage, p.parts)));
    let received = 0;
    for (const p of peers) void p.session.receive().then(() => received++);
    await settle(fx.clock, () => received === 3);
    expect(peers.every((p) => p.parts.get('golf-h02') !== undefined)).toBe(true);
    await fx.host.end();
    const reasons = await Promise.all(peers.map((p) => p.session.ended));
    expect(reasons).toEqual(['host-ended', 'host-ended', 'host-ended']);
    for (const [i, p] of peers.entries()) {
      expect(await footprint(p.storage, p.parts)).toEqual(baselines[i]);
      expect(await readHostedRecord(p.storage)).toBeNull();
    }
  });

  it('deletes the part when the peer’s own clock passes exp, with no end from the host', async () => {
    const fx = await hostFixture();
    const peer = await peerFixture(fx, 1);
    const baseline = await footprint(peer.storage, peer.parts);
    let received = false;
    void peer.session.receive().then(() => (received = true));
    await settle(fx.clock, () => received);
    // The host is gone for good: nothing it sends can reach the peer any more.
    fx.host.end = async () => undefined;
    for (const far of peer.farEnds) await far.reset();
    let reason: string | undefined;
    void peer.session.ended.then((r) => (reason = r));
    await settle(fx.clock, () => reason !== undefined, 5_000);
    expect(reason).toBe('licence-expired');
    expect(fx.clock.wallMs()).toBeGreaterThan(fx.licence.exp);
    expect(await footprint(peer.storage, peer.parts)).toEqual(baseline);
  });

  it('deletes a part left by a session cut mid-stream at the next start, and nothing else', async () => {
    const fx = await hostFixture({ chunkDelayMs: 20 });
    const { storage, parts } = await openPeerStorage();
    await parts.reserve({ part: 'own-part', title: 'chess', seq: 1, base: null, dataBytes: 1000, sideBytes: 100 });
    const peer = await peerFixture(fx, 1, { storage, parts });
    const baseline = await footprint(storage, parts);
    void peer.session.receive().catch(() => undefined);
    await settle(fx.clock, () => (peer.session.progress()?.receivedChunks ?? 0) >= 3, 10);
    // Power cut: the session object is gone; the flash keeps what was written.
    const rebooted = storage.reopen();
    const reopenedParts = await StorageManager.open(rebooted, { systemReserveBytes: 16 * 1024 });
    expect(reopenedParts.get('golf-h02')).toBeDefined();
    expect(await PeerSession.cleanupAtStart(rebooted, reopenedParts)).toEqual(['golf-h02']);
    expect(await footprint(rebooted, reopenedParts)).toEqual(baseline);
    expect(reopenedParts.get('own-part')).toBeDefined();
    expect(await PeerSession.cleanupAtStart(rebooted, reopenedParts)).toEqual([]);
  });

  it('removes a hosted note torn by a cut during its own write, which had reserved nothing', async () => {
    const { storage, parts } = await openPeerStorage();
    await storage.write('fw-hosted', 0, new Uint8Array([0xa2, 0x61]));
    expect(await readHostedRecord(storage)).toBe('unreadable');
    expect(await PeerSession.cleanupAtStart(storage, parts)).toEqual([]);
    expect(await readHostedRecord(storage)).toBeNull();
  });

  it('deletes the part at once when the user leaves', async () => {
    const fx = await hostFixture();
    const peer = await peerFixture(fx, 1);
    const baseline = await footprint(peer.storage, peer.parts);
    let received = false;
    void peer.session.receive().then(() => (received = true));
    await settle(fx.clock, () => received);
    await peer.session.leave();
    expect(await peer.session.ended).toBe('left');
    expect(await footprint(peer.storage, peer.parts)).toEqual(baseline);
  });

  it('halts at a power cut without a write or a timer, and the next start deletes what it left', async () => {
    const fx = await hostFixture({ chunkDelayMs: 20 });
    const { storage, parts } = await openPeerStorage();
    const peer = await peerFixture(fx, 1, { storage, parts });
    const baseline = await footprint(storage, parts);
    const receiving = peer.session.receive().catch((e: unknown) => e);
    await settle(fx.clock, () => (peer.session.progress()?.receivedChunks ?? 0) >= 3, 10);
    const before = await footprint(storage, parts);
    peer.session.halt();
    expect(await peer.session.ended).toBe('failed');
    expect(await receiving).toMatchObject({ kind: 'closed' });
    // Time runs on past exp: no timer of the halted session writes or deletes anything.
    fx.clock.advance(fx.licence.exp - fx.clock.wallMs() + 60_000);
    await settle(fx.clock, () => true);
    expect(await footprint(storage, parts)).toEqual(before);
    const rebooted = storage.reopen();
    const reopenedParts = await StorageManager.open(rebooted, { systemReserveBytes: 16 * 1024 });
    expect(await PeerSession.cleanupAtStart(rebooted, reopenedParts)).toEqual(['golf-h02']);
    expect(await footprint(rebooted, reopenedParts)).toEqual(baseline);
  });
});
