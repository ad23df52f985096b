/**
 * Seed 000 claims 1, 3 and 9: one terminal acts as the server and distributes the part it holds
 * to other terminals over a local link, under a store-signed seat licence [FW-14.2, FW-14.4].
 */
import { describe, expect, it } from 'vitest';
import { HostRefusedError, readHostedRecord } from '../../../device/local/index.js';
import { isFairwayError } from '../../../sdk/errors.js';
import { seatNoticeArtefact } from '../../../sdk/licence/index.js';
import { expectSameBytes } from '../download/support/bytes.js';
import { footprint, hostFixture, peerFixture, settle } from './support/local-fixture.js';

describe('a host serving peers (claims 3, 9)', () => {
  it('serves eight peers at once, each of which verifies and stores exactly the hosted part, with no store connection', async () => {
    const fx = await hostFixture({ seats: 8 });
    const peers = await Promise.all(Array.from({ length: 8 }, (_, i) => peerFixture(fx, i + 1)));
    const receptions = peers.map((p) => p.session.receive());
    let done = 0;
    receptions.forEach((r) => void r.then(() => done++));
    await settle(fx.clock, () => done === 8);
    const results = await Promise.all(receptions);
    expect(results.map((r) => r.seat).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const peer of peers) {
      const stored = peer.parts.get('golf-h02');
      expect(stored?.state).toBe('complete');
      expectSameBytes(await peer.parts.read('golf-h02', 'data', 0, fx.part.bytes.length), fx.part.bytes, peer.id);
    }
    expect(fx.host.seatsTaken()).toBe(8);
  });

  it('gives the peer a notice signed with its own key naming the licence, host, part and hash', async () => {
    const fx = await hostFixture();
    const peer = await peerFixture(fx, 1);
    const reception = peer.session.receive();
    let ok = false;
    void reception.then(() => (ok = true));
    await settle(fx.clock, () => ok);
    const { notice } = await reception;
    expect(peer.session.notice()).toEqual(notice);
    const opened = await seatNoticeArtefact.open(notice, peer.signer.publicKey, (await import('../../support/keys.js')).crypto);
    expect(opened.payload).toMatchObject({ peer: 'peer-1', host: 'host-1', part: 'golf-h02', licence: fx.licence.licence, partHash: fx.part.manifest.hash });
    expect(new TextDecoder().decode(opened.kid)).toBe('peer-1');
  });

  it('refuses the (N+1)-th distinct peer with seats-full, and that peer stores nothing', async () => {
    const fx = await hostFixture({ seats: 2 });
    const peers = await Promise.all([1, 2, 3].map((i) => peerFixture(fx, i)));
    const before = await footprint(peers[2]!.storage, peers[2]!.parts);
    const outcomes: unknown[] = [];
    for (const peer of peers) {
      void peer.session.receive().then(
        (r) => outcomes.push(r.seat),
        (e) => outcomes.push(e),
      );
      await settle(fx.clock, () => outcomes.length === peers.indexOf(peer) + 1);
    }
    expect(outcomes.slice(0, 2)).toEqual([1, 2]);
    const refusal = outcomes[2];
    expect(refusal).toBeInstanceOf(HostRefusedError);
    expect((refusal as HostRefusedError).code).toBe('seats-full');
    expect(await peers[2]!.session.ended).toBe('failed');
    expect(await footprint(peers[2]!.storage, peers[2]!.parts)).toEqual(before);
    expect(await readHostedRecord(peers[2]!.storage)).toBeNull();
    expect(fx.host.seatsTaken()).toBe(2);
  });

  it('refuses a terminal the user did not approve, and still seats the approved ones', async () => {
    const fx = await hostFixture({ host: { approve: (peer) => peer !== 'peer-2' } });
    const [a, b] = await Promise.all([peerFixture(fx, 1), peerFixture(fx, 2)]);
    const results: unknown[] = [];
    void a.session.receive().then((r) => results.push(r.seat), (e) => results.push(e));
    void b.session.receive().then((r) => results.push(r.seat), (e) => results.push(e));
    await settle(fx.clock, () => results.length === 2);
    const refusal = results.find((r) => r instanceof HostRefusedError) as HostRefusedError;
    expect(refusal.code).toBe('refused');
    expect(results).toContain(1);
    expect(fx.host.seatList()).toEqual([{ peer: 'peer-1', seat: 1 }]);
  });

  it('refuses every join after the licence expired with licence-expired', async () => {
    const fx = await hostFixture();
    fx.clock.advance(fx.licence.exp - fx.clock.wallMs() + 1);
    const peer = await peerFixture(fx, 1);
    let error: unknown;
    void peer.session.receive().catch((e) => (error = e));
    await settle(fx.clock, () => error !== undefined);
    expect(error).toBeInstanceOf(HostRefusedError);
    expect((error as HostRefusedError).code).toBe('licence-expired');
    expect(fx.host.seatsTaken()).toBe(0);
  });

  it('keeps the same seat for a peer that rejoins after its link dropped, without taking another', async () => {
    const fx = await hostFixture({ seats: 2, chunkDelayMs: 20 });
    const peer = await peerFixture(fx, 1, { downloadConfig: { maxWindowsInFlight: 1 } });
    let seat = 0;
    void peer.session.receive().then((r) => (seat = r.seat));
    await settle(fx.clock, () => (peer.session.progress()?.receivedChunks ?? 0) >= 5, 10);
    expect(peer.session.progress()!.missingChunks).toBeGreaterThan(0);
    await peer.farEnds[0]!.reset();
    await settle(fx.clock, () => seat !== 0, 10);
    expect(seat).toBe(1);
    expect(peer.session.stats.connects).toBe(2);
    expect(fx.host.seatList()).toEqual([{ peer: 'peer-1', seat: 1 }]);
    const other = await peerFixture(fx, 2);
    let otherSeat = 0;
    void other.session.receive().then((r) => (otherSeat = r.seat));
    await settle(fx.clock, () => otherSeat !== 0);
    expect(otherSeat).toBe(2);
  });

  it('refuses to host a part the licence does not cover', async () => {
    const fx = await hostFixture();
    const { HostSession } = await import('../../../device/local/index.js');
    await expect(
      HostSession.open({ licenceBytes: fx.licenceBytes, licence: { ...fx.licence, part: 'other' }, manifestBytes: fx.part.manifestBytes, manifest: fx.part.manifest, readChunk: async () => new Uint8Array(1), clock: fx.clock, storage: fx.hostStorage }),
    ).rejects.toSatisfy((e) => isFairwayError(e, 'invalid-argument'));
  });
});
