/**
 * FW-14.1 and the invariant "malformed, oversized, forged or replayed input gets a clear typed
 * error and changes no state": whatever a peer sends, the host answers with a typed `error`,
 * closes that connection only when the framing or body is unusable, and keeps serving others.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeCbor } from '../../../sdk/cbor/index.js';
import { decodeLocalMessage, encodeLocalMessage } from '../../../sdk/local/index.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { hostFixture, peerFixture, RawPeer, settle, type HostFixture } from './support/local-fixture.js';

function header(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

async function rawPeer(fx: HostFixture): Promise<RawPeer> {
  return new RawPeer(await fx.linkToHost().link.connect());
}

/** Sends `bytes`, expects an `error` with `code` and then the connection closed by the host. */
async function expectErrorThenClose(fx: HostFixture, bytes: Uint8Array, code: string, rid?: number): Promise<void> {
  const raw = await rawPeer(fx);
  await raw.write(bytes);
  const answer = decodeLocalMessage((await raw.next())!, 'host');
  expect(answer).toMatchObject({ t: 'error', code });
  if (rid !== undefined) expect(answer).toMatchObject({ rid });
  expect(await raw.next()).toBeNull();
}

describe('the host under bad input (FW-14.1)', () => {
  it('answers a length over the frame cap with too-large and closes, before any body arrives', async () => {
    const fx = await hostFixture();
    await expectErrorThenClose(fx, header(0xffff_fff0), 'too-large');
  });

  it('answers a zero-length frame with bad-request and closes', async () => {
    const fx = await hostFixture();
    await expectErrorThenClose(fx, header(0), 'bad-request');
  });

  it('answers a body that is not CBOR with bad-request and closes', async () => {
    const fx = await hostFixture();
    await expectErrorThenClose(fx, new Uint8Array([...header(3), 0xff, 0xff, 0xff]), 'bad-request');
  });

  it('answers a message only a host sends (wrong direction) with bad-request, naming its rid', async () => {
    const fx = await hostFixture();
    const body = encodeLocalMessage({ v: 1, t: 'notice.ok', rid: 42 });
    await expectErrorThenClose(fx, new Uint8Array([...header(body.length), ...body]), 'bad-request', 42);
  });

  it('answers an unknown type with unknown-type and a wrong version with unsupported-version', async () => {
    const fx = await hostFixture();
    const unknown = encodeCbor({ v: 1, t: 'teleport', rid: 3 });
    await expectErrorThenClose(fx, new Uint8Array([...header(unknown.length), ...unknown]), 'unknown-type', 3);
    const version = encodeCbor({ v: 2, t: 'join', rid: 4, peer: 'p' });
    await expectErrorThenClose(fx, new Uint8Array([...header(version.length), ...version]), 'unsupported-version', 4);
  });

  it('answers chunks.get before a join, for another transfer, or past the part with a typed answer, and keeps the connection until a second identity is claimed', async () => {
    const fx = await hostFixture();
    const raw = await rawPeer(fx);
    const ask = async (message: Parameters<typeof encodeLocalMessage>[0]) => {
      await raw.sendBody(encodeLocalMessage(message));
      return decodeLocalMessage((await raw.next())!, 'host');
    };
    expect(await ask({ v: 1, t: 'chunks.get', rid: 1, transfer: fx.licence.licence, ranges: [[0, 1]] })).toMatchObject({ t: 'error', rid: 1, code: 'bad-request' });
    expect(await ask({ v: 1, t: 'join', rid: 2, peer: 'peer-7' })).toMatchObject({ t: 'joined', seat: 1 });
    expect(await ask({ v: 1, t: 'chunks.get', rid: 3, transfer: new Uint8Array(16), ranges: [[0, 1]] })).toMatchObject({ t: 'refusal', rid: 3, code: 'unknown-transfer' });
    expect(await ask({ v: 1, t: 'chunks.get', rid: 4, transfer: fx.licence.licence, ranges: [[24, 5]] })).toMatchObject({ t: 'error', rid: 4, code: 'bad-request' });
    expect(await ask({ v: 1, t: 'chunks.get', rid: 5, transfer: fx.licence.licence, ranges: [[0, 9]] })).toMatchObject({ t: 'error', rid: 5, code: 'bad-request' });
    expect(await ask({ v: 1, t: 'chunks.get', rid: 7, transfer: fx.licence.licence, ranges: [[2, 1]] })).toMatchObject({ t: 'chunk', r: 7, i: 2 });
    // Joining as a second peer on one connection is a protocol fault: error, then closed.
    expect(await ask({ v: 1, t: 'join', rid: 6, peer: 'peer-8' })).toMatchObject({ t: 'error', rid: 6, code: 'bad-request' });
    expect(await raw.next()).toBeNull();
    expect(fx.host.seatList()).toEqual([{ peer: 'peer-7', seat: 1 }]);
  });

  it('answers a window beyond the per-peer queue with busy instead of queueing without bound', async () => {
    const fx = await hostFixture({ chunkDelayMs: 1000, host: { maxQueuedChunks: 8 } });
    const raw = await rawPeer(fx);
    await raw.sendBody(encodeLocalMessage({ v: 1, t: 'join', rid: 1, peer: 'peer-7' }));
    await raw.next();
    await raw.sendBody(encodeLocalMessage({ v: 1, t: 'chunks.get', rid: 2, transfer: fx.licence.licence, ranges: [[0, 8]] }));
    await raw.sendBody(encodeLocalMessage({ v: 1, t: 'chunks.get', rid: 3, transfer: fx.licence.licence, ranges: [[8, 8]] }));
    expect(decodeLocalMessage((await raw.next())!, 'host')).toMatchObject({ t: 'error', rid: 3, code: 'busy' });
  });

  it(`answers any random body with a typed error or a protocol answer, and never crashes (seed ${seed})`, async () => {
    const fx = await hostFixture({ seats: 2 });
    const good = await peerFixture(fx, 1);
    let received = false;
    void good.session.receive().then(() => (received = true));
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const raw = await rawPeer(fx);
        await raw.sendBody(bytes);
        const answer = decodeLocalMessage((await raw.next())!, 'host');
        expect(answer.t).toBe('error');
        expect(await raw.next()).toBeNull();
      }),
      { seed, numRuns: Math.min(fuzzRuns, 200) },
    );
    await settle(fx.clock, () => received);
    expect(fx.host.seatList()).toEqual([{ peer: 'peer-1', seat: 1 }]);
  });

  it(`survives random raw byte streams cut off at any point (seed ${seed})`, async () => {
    const fx = await hostFixture();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), async (bytes) => {
        const raw = await rawPeer(fx);
        await raw.write(bytes);
        await settle(fx.clock, () => true);
        await raw.conn.close();
      }),
      { seed, numRuns: Math.min(fuzzRuns, 100) },
    );
    await settle(fx.clock, () => true);
    expect(fx.host.seatsTaken()).toBe(0);
    expect(fx.host.connectedPeers()).toEqual([]);
  });

  it('keeps other peers streaming when one sends garbage mid-session', async () => {
    const fx = await hostFixture({ chunkDelayMs: 10 });
    const good = await peerFixture(fx, 1);
    let received = false;
    void good.session.receive().then(() => (received = true));
    await settle(fx.clock, () => (good.session.progress()?.receivedChunks ?? 0) >= 3, 10);
    const bad = await rawPeer(fx);
    await bad.sendBody(encodeLocalMessage({ v: 1, t: 'join', rid: 1, peer: 'peer-2' }));
    await bad.next();
    await bad.write(header(0xffff_ffff));
    expect(decodeLocalMessage((await bad.next())!, 'host')).toMatchObject({ t: 'error', code: 'too-large' });
    expect(await bad.next()).toBeNull();
    await settle(fx.clock, () => received, 10);
    expect(good.session.stats.drops).toBe(0);
  });
});
