/**
 * CONNECT acceptance and CONNACK codes [FW-2.3]: 0 accepted, 1 protocol level, 2 not a
 * device id, 3 directory down, 4 anything wrong with user name or credential, 5 good
 * credential but the device may not connect. Every refusal is logged with its reason.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeSigner } from '../../../device/ports/node/crypto.js';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import type { TestDevice } from './support/devices.js';
import { connackCode, deviceOptions } from './support/mqtt-clients.js';
import { connectPacket, openRaw, rawConnack } from './support/raw-mqtt.js';

let fx: BrokerFixture;
let device: TestDevice;

beforeEach(async () => {
  fx = await startBroker();
  device = fx.enrol('hh-0001');
});
afterEach(() => fx.close());

/** The reason logged with the latest refusal. */
function lastRefusal(): { code?: number; reason?: string } {
  const refusals = fx.logged('connect refused');
  return refusals[refusals.length - 1] ?? {};
}

describe('accepted credentials', () => {
  it('accepts a valid raw COSE_Sign1 credential with CONNACK 0', async () => {
    expect(await connackCode(fx.url, await deviceOptions(device))).toBe(0);
    await waitUntil(() => fx.events.includes('connect hh-0001'), 3000, 'onConnect');
    expect(fx.logged('connect accepted')).toHaveLength(1);
  });

  it('accepts the credential as unpadded base64url text (for text-only MQTT clients)', async () => {
    const text = await device.textCredential();
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(await connackCode(fx.url, await deviceOptions(device, { password: text }))).toBe(0);
  });

  it('accepts a credential whose time is at the edge of the window', async () => {
    const password = Buffer.from(await device.credential({ time: fx.clock.now - 300_000 }));
    expect(await connackCode(fx.url, await deviceOptions(device, { password }))).toBe(0);
  });
});

describe('CONNACK 4: bad user name or password', () => {
  const cases: Array<[string, (d: TestDevice) => Promise<Record<string, unknown>>, RegExp]> = [
    ['signed with the wrong key', async (d) => ({ password: Buffer.from(await d.credential({ signer: NodeSigner.generate() })) }), /bad-signature/],
    ['time before the window', async (d) => ({ password: Buffer.from(await d.credential({ time: fx.clock.now - 300_001 })) }), /window/],
    ['time after the window', async (d) => ({ password: Buffer.from(await d.credential({ time: fx.clock.now + 300_001 })) }), /window/],
    ['credential made for another device', async (d) => ({ password: Buffer.from(await d.credential({ device: 'hh-0002' })) }), /for device hh-0002/],
    ['user name differs from the client id', async () => ({ username: 'hh-0002' }), /differs from the client id/],
    ['no password', async () => ({ password: undefined }), /password \(credential\) missing/],
    ['a text password that is no credential', async () => ({ password: 'hunter2!' }), /neither a COSE_Sign1/],
    ['base64url text of something else', async () => ({ password: Buffer.from('not cbor at all').toString('base64url') }), /does not decode to a COSE_Sign1/],
    ['a truncated COSE_Sign1', async (d) => ({ password: Buffer.from((await d.credential()).subarray(0, 40)) }), /credential refused/],
  ];

  it.each(cases)('refuses a credential %s', async (_name, change, reason) => {
    const options = { ...(await deviceOptions(device)), ...(await change(device)) };
    expect(await connackCode(fx.url, options)).toBe(4);
    expect(lastRefusal()).toMatchObject({ code: 4, reason: expect.stringMatching(reason) });
    expect(fx.events).toEqual([]);
  });

  it('refuses a password without a user name (sent raw: mqtt.js will not build such a CONNECT)', async () => {
    const raw = await openRaw(fx.broker.ports.tcp);
    expect(await rawConnack(raw, connectPacket(device.id, undefined, await device.credential()))).toBe(4);
    expect(lastRefusal().reason).toBe('user name missing');
    raw.socket.destroy();
  });

  it('refuses a replayed nonce', async () => {
    const options = await deviceOptions(device);
    expect(await connackCode(fx.url, options)).toBe(0);
    expect(await connackCode(fx.url, options)).toBe(4);
    expect(lastRefusal()).toMatchObject({ code: 4, reason: 'credential nonce replayed' });
  });

  it('refuses an unknown device', async () => {
    fx.directory.keys.delete('hh-0001');
    expect(await connackCode(fx.url, await deviceOptions(device))).toBe(4);
    expect(lastRefusal().reason).toMatch(/unknown, not enrolled or revoked/);
  });

  it('refuses an anonymous client when allowAnonymous is off', async () => {
    expect(await connackCode(fx.url, { clientId: 'hh-0001', protocolVersion: 4 })).toBe(4);
    expect(lastRefusal().reason).toMatch(/anonymous clients are not allowed/);
  });
});

describe('CONNACK 2: client id is not a device id', () => {
  it.each(['hh#1', 'hh+1', 'hh/1', 'x'.repeat(65), 'hé'])('refuses client id %j', async (clientId) => {
    const options = await deviceOptions(device, { clientId, username: clientId });
    expect(await connackCode(fx.url, options)).toBe(2);
    expect(lastRefusal()).toMatchObject({ code: 2, reason: expect.stringMatching(/is not a device id/) });
  });

  it('refuses an empty client id', async () => {
    expect(await connackCode(fx.url, await deviceOptions(device, { clientId: '' }))).toBe(2);
  });
});

describe('CONNACK 5: good credential, but the device may not connect', () => {
  it('refuses Clean Session = 0', async () => {
    expect(await connackCode(fx.url, await deviceOptions(device, { clean: false }))).toBe(5);
    expect(lastRefusal().reason).toMatch(/Clean Session = 0/);
  });

  it('refuses a device the directory bars (not enrolled to a user, or disabled)', async () => {
    fx.directory.barred.add('hh-0001');
    expect(await connackCode(fx.url, await deviceOptions(device))).toBe(5);
    expect(lastRefusal().reason).toMatch(/not enrolled to any user, or is disabled/);
  });

  it('still answers 4, not 5, when the credential itself is bad', async () => {
    fx.directory.barred.add('hh-0001');
    const password = Buffer.from(await device.credential({ signer: NodeSigner.generate() }));
    expect(await connackCode(fx.url, await deviceOptions(device, { password }))).toBe(4);
  });
});

describe('options', () => {
  it('honours credentialWindowMs', async () => {
    await fx.close();
    fx = await startBroker({ credentialWindowMs: 10_000 });
    device = fx.enrol('hh-0001');
    const stale = Buffer.from(await device.credential({ time: fx.clock.now - 10_001 }));
    expect(await connackCode(fx.url, await deviceOptions(device, { password: stale }))).toBe(4);
    const fresh = Buffer.from(await device.credential({ time: fx.clock.now - 9_999 }));
    expect(await connackCode(fx.url, await deviceOptions(device, { password: fresh }))).toBe(0);
  });

  it.each([{ credentialWindowMs: 9_999 }, { credentialWindowMs: 3_600_001 }, { maxPacketBytes: 100 }, { drainTimeoutMs: 0 }])(
    'refuses to start with %j',
    async (bad) => {
      await expect(startBroker(bad)).rejects.toThrow(/invalid-argument/);
    },
  );
});

describe('other codes', () => {
  it('answers CONNACK 1 to MQTT 3.1 (protocol level 3), which aedes would otherwise admit', async () => {
    expect(await connackCode(fx.url, await deviceOptions(device, { protocolVersion: 3 }))).toBe(1);
    expect(lastRefusal().reason).toMatch(/protocol level 3 is not 4/);
  });

  it('answers CONNACK 1 to MQTT 5 (protocol level 5)', async () => {
    const raw = await openRaw(fx.broker.ports.tcp);
    expect(await rawConnack(raw, connectPacket(device.id, device.id, await device.credential(), 30, 5))).toBe(1);
    expect(lastRefusal().reason).toMatch(/protocol level 5 is not 4/);
    raw.socket.destroy();
  });

  it('answers CONNACK 3 when the device directory fails', async () => {
    fx.directory.failing = true;
    expect(await connackCode(fx.url, await deviceOptions(device))).toBe(3);
    expect(lastRefusal()).toMatchObject({ code: 3, reason: expect.stringMatching(/directory offline/) });
  });
});
