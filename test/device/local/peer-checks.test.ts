/**
 * FW-14.3: a peer checks what the host relays — licence and manifest signed by the store, the
 * licence covering exactly the manifest's part, not expired — before it keeps any byte; any
 * failure leaves its storage as it was.
 */
import { describe, expect, it } from 'vitest';
import { readHostedRecord } from '../../../device/local/index.js';
import { isFairwayError } from '../../../sdk/errors.js';
import { decodeLocalMessage, encodeLocalMessage } from '../../../sdk/local/index.js';
import { manifestArtefact } from '../../../sdk/manifest/index.js';
import { ManualClock, ScriptedLink } from '../../../sdk/testing/mocks/index.js';
import { otherSigner, utf8 } from '../../support/keys.js';
import { footprint, licenceFor, makePart, peerFixture, RawPeer, settle, signLicence } from './support/local-fixture.js';

/** A host that answers the first join with the `joined` a test crafts, then stays silent. */
async function rogueHost(link: ScriptedLink, joined: { licence: Uint8Array; manifest: Uint8Array }): Promise<void> {
  const far = new RawPeer(await link.accept());
  const body = await far.next();
  const join = decodeLocalMessage(body!, 'peer');
  if (join.t !== 'join') throw new Error('expected a join');
  await far.sendBody(encodeLocalMessage({ v: 1, t: 'joined', rid: join.rid, licence: joined.licence, manifest: joined.manifest, seat: 1, windowMax: 8 }));
}

async function expectRefusedAndNothingStored(craft: (clock: ManualClock) => Promise<{ licence: Uint8Array; manifest: Uint8Array }>, kind: string): Promise<void> {
  const clock = new ManualClock();
  const link = new ScriptedLink();
  const peer = await peerFixture({ clock, linkToHost: () => ({ link, farEnds: [] }) }, 1, { link });
  const baseline = await footprint(peer.storage, peer.parts);
  void rogueHost(link, await craft(clock));
  let error: unknown;
  void peer.session.receive().catch((e) => (error = e));
  await settle(clock, () => error !== undefined);
  expect(isFairwayError(error, kind as never), String(error)).toBe(true);
  expect(await peer.session.ended).toBe('failed');
  expect(await footprint(peer.storage, peer.parts)).toEqual(baseline);
  expect(await readHostedRecord(peer.storage)).toBeNull();
}

describe('a peer checks the licence and manifest before storing a byte (FW-14.3)', () => {
  it('accepts the genuine pair (the control case for the refusals below)', async () => {
    const clock = new ManualClock();
    const link = new ScriptedLink();
    const peer = await peerFixture({ clock, linkToHost: () => ({ link, farEnds: [] }) }, 1, { link });
    const part = await makePart();
    void rogueHost(link, { licence: await signLicence(licenceFor(part, clock)), manifest: part.manifestBytes });
    void peer.session.receive().catch(() => undefined);
    await settle(clock, () => peer.parts.get('golf-h02') !== undefined);
    expect(peer.session.state).toBe('streaming');
    expect(await readHostedRecord(peer.storage)).toMatchObject({ part: 'golf-h02' });
  });

  it('refuses a licence not signed by the store', async () => {
    await expectRefusedAndNothingStored(async (clock) => {
      const part = await makePart();
      return { licence: await signLicence(licenceFor(part, clock), otherSigner), manifest: part.manifestBytes };
    }, 'bad-signature');
  });

  it('refuses a licence for another part hash', async () => {
    await expectRefusedAndNothingStored(async (clock) => {
      const part = await makePart();
      const other = await makePart(7);
      return { licence: await signLicence(licenceFor(other, clock)), manifest: part.manifestBytes };
    }, 'hash-mismatch');
  });

  it('refuses a licence for another part id', async () => {
    await expectRefusedAndNothingStored(async (clock) => {
      const part = await makePart();
      return { licence: await signLicence({ ...licenceFor(part, clock), part: 'golf-h03' }), manifest: part.manifestBytes };
    }, 'hash-mismatch');
  });

  it('refuses a manifest not signed by the store', async () => {
    await expectRefusedAndNothingStored(async (clock) => {
      const part = await makePart();
      return { licence: await signLicence(licenceFor(part, clock)), manifest: await manifestArtefact.sign(part.manifest, otherSigner, utf8('store')) };
    }, 'bad-signature');
  });

  it('refuses a licence whose exp has passed by the peer’s clock', async () => {
    await expectRefusedAndNothingStored(async (clock) => {
      const part = await makePart();
      return { licence: await signLicence(licenceFor(part, clock, { exp: clock.wallMs() - 1 })), manifest: part.manifestBytes };
    }, 'out-of-range');
  });

  it('refuses to host a part it already holds as its own, and leaves that part alone', async () => {
    const clock = new ManualClock();
    const link = new ScriptedLink();
    const peer = await peerFixture({ clock, linkToHost: () => ({ link, farEnds: [] }) }, 1, { link });
    await peer.parts.reserve({ part: 'golf-h02', title: 'golf', seq: 2, base: null, dataBytes: 100_000, sideBytes: 10 });
    const baseline = await footprint(peer.storage, peer.parts);
    const part = await makePart();
    void rogueHost(link, { licence: await signLicence(licenceFor(part, clock)), manifest: part.manifestBytes });
    let error: unknown;
    void peer.session.receive().catch((e) => (error = e));
    await settle(clock, () => error !== undefined);
    expect(isFairwayError(error, 'invalid-argument')).toBe(true);
    expect(peer.parts.get('golf-h02')).toBeDefined();
    expect(await footprint(peer.storage, peer.parts)).toEqual(baseline);
  });
});
