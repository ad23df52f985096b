/**
 * FW-14.5 and FW-13.5.2 (seed 000 claim 8): the host keeps each peer's reception notice
 * durably before it says `notice.ok`, keeps it across a restart, hands it over for relaying
 * until the store has answered it, and keeps only what it can check is this session's notice.
 */
import { describe, expect, it } from 'vitest';
import { HostSession, NoticeStore } from '../../../device/local/index.js';
import { FairwayError } from '../../../sdk/errors.js';
import { seatNoticeArtefact } from '../../../sdk/licence/index.js';
import { decodeLocalMessage, encodeLocalMessage } from '../../../sdk/local/index.js';
import { MemoryStorage, ScriptedLink, seededRandomSource, SoftwareSigner } from '../../../sdk/testing/mocks/index.js';
import { seed } from '../../support/seed.js';
import { hostFixture, peerFixture, RawPeer, settle } from './support/local-fixture.js';

/** Storage whose writes fail while `failing` is set, as a flash that refuses them. */
class RefusingStorage extends MemoryStorage {
  failing = false;
  override async write(name: string, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    if (this.failing) throw new FairwayError('io', 'the flash refused the write');
    return super.write(name, offsetBytes, bytes);
  }
}

async function joinRaw(link: ScriptedLink, peer: string): Promise<RawPeer> {
  const raw = new RawPeer(await link.connect());
  await raw.sendBody(encodeLocalMessage({ v: 1, t: 'join', rid: 1, peer }));
  const joined = decodeLocalMessage((await raw.next())!, 'host');
  expect(joined.t).toBe('joined');
  return raw;
}

describe('reception notices at the host (FW-14.5)', () => {
  it('keeps every notice durably, and a restarted host still has them pending and still seats their peers', async () => {
    const hostStorage = new MemoryStorage(1024 * 1024);
    const fx = await hostFixture({ seats: 3, hostStorage });
    const peers = await Promise.all([1, 2, 3].map((i) => peerFixture(fx, i)));
    const receptions = await (async () => {
      const out: Uint8Array[] = [];
      for (const p of peers) void p.session.receive().then((r) => out.push(r.notice));
      await settle(fx.clock, () => out.length === 3);
      return out;
    })();
    const pending = await fx.host.pendingNotices();
    expect(pending.map((n) => n.peer).sort()).toEqual(['peer-1', 'peer-2', 'peer-3']);
    expect(pending.map((n) => n.notice)).toEqual(expect.arrayContaining(receptions));

    const restarted = await HostSession.open({ ...hostOptions(fx), storage: hostStorage.reopen() });
    expect((await restarted.pendingNotices()).length).toBe(3);
    expect(restarted.seatsTaken()).toBe(3);
    await restarted.markRelayed(pending.slice(0, 2));
    expect((await restarted.pendingNotices()).map((n) => n.seat)).toEqual([pending[2]!.seat]);
  });

  it('does not say notice.ok while the notice cannot be kept, and keeps resending the same bytes under the same rid', async () => {
    const hostStorage = new RefusingStorage(1024 * 1024);
    const fx = await hostFixture({ hostStorage });
    const peer = await peerFixture(fx, 1);
    let received = false;
    void peer.session.receive().then(() => (received = true));
    hostStorage.failing = true;
    await settle(fx.clock, () => peer.session.stats.noticeSends >= 3);
    expect(received).toBe(false);
    expect(await fx.host.pendingNotices()).toEqual([]);
    hostStorage.failing = false;
    await settle(fx.clock, () => received);
    const pending = await fx.host.pendingNotices();
    expect(pending.map((n) => n.notice)).toEqual([peer.session.notice()]);
  });

  it('answers a resent notice with notice.ok again and keeps one copy', async () => {
    const fx = await hostFixture();
    const { link } = fx.linkToHost();
    const raw = await joinRaw(link, 'peer-9');
    const signer = SoftwareSigner.generate(seededRandomSource(seed));
    const notice = await seatNoticeArtefact.sign(
      { v: 1, licence: fx.licence.licence, peer: 'peer-9', host: 'host-1', part: 'golf-h02', partHash: fx.part.manifest.hash, nonce: new Uint8Array(16), time: fx.clock.wallMs() },
      signer,
      new TextEncoder().encode('peer-9'),
    );
    for (let i = 0; i < 2; i++) {
      await raw.sendBody(encodeLocalMessage({ v: 1, t: 'notice', rid: 5, notice }));
      expect(decodeLocalMessage((await raw.next())!, 'host')).toMatchObject({ t: 'notice.ok', rid: 5 });
    }
    expect((await new NoticeStore(fx.hostStorage).list()).length).toBe(1);
  });

  it.each([
    ['signed under another kid', { kid: 'peer-8' }],
    ['for another licence', { licence: new Uint8Array(16).fill(9) }],
    ['naming another host', { host: 'host-2' }],
    ['for another part hash', { partHash: new Uint8Array(32) }],
    ['naming another peer', { peer: 'peer-8' }],
  ])('refuses a notice %s with bad-request and keeps nothing', async (_what, change: Record<string, unknown>) => {
    const fx = await hostFixture();
    const { link } = fx.linkToHost();
    const raw = await joinRaw(link, 'peer-9');
    const signer = SoftwareSigner.generate(seededRandomSource(seed));
    const { kid, ...fields } = change;
    const notice = await seatNoticeArtefact.sign(
      { v: 1, licence: fx.licence.licence, peer: 'peer-9', host: 'host-1', part: 'golf-h02', partHash: fx.part.manifest.hash, nonce: new Uint8Array(16), time: 1, ...fields },
      signer,
      new TextEncoder().encode((kid as string | undefined) ?? 'peer-9'),
    );
    await raw.sendBody(encodeLocalMessage({ v: 1, t: 'notice', rid: 6, notice }));
    expect(decodeLocalMessage((await raw.next())!, 'host')).toMatchObject({ t: 'error', rid: 6, code: 'bad-request' });
    expect(await fx.host.pendingNotices()).toEqual([]);
  });

  it('refuses bytes that are not a COSE_Sign1 as a notice', async () => {
    const fx = await hostFixture();
    const { link } = fx.linkToHost();
    const raw = await joinRaw(link, 'peer-9');
    await raw.sendBody(encodeLocalMessage({ v: 1, t: 'notice', rid: 7, notice: new Uint8Array([1, 2, 3]) }));
    expect(decodeLocalMessage((await raw.next())!, 'host')).toMatchObject({ t: 'error', rid: 7, code: 'bad-request' });
    expect(await fx.host.pendingNotices()).toEqual([]);
  });
});

function hostOptions(fx: Awaited<ReturnType<typeof hostFixture>>) {
  return { licenceBytes: fx.licenceBytes, licence: fx.licence, manifestBytes: fx.part.manifestBytes, manifest: fx.part.manifest, readChunk: async () => new Uint8Array(0), clock: fx.clock };
}
