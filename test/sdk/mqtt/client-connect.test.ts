import { describe, expect, it } from 'vitest';
import type { Link } from '../../../sdk/hal/link.js';
import { MqttClient, MqttConnectRefused, type MqttConnectOptions } from '../../../sdk/mqtt/index.js';
import { ManualClock, ScriptedLink } from '../../../sdk/testing/mocks/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { ScriptedBroker, settle } from './support/scripted-broker.js';
import { baseOptions, connectScripted, CREDENTIAL } from './support/scripted-session.js';

/** A link whose connect() never completes, as a modem that never gets a socket up. */
class StalledLink implements Link {
  attempts = 0;
  connect(): ReturnType<Link['connect']> {
    this.attempts++;
    return new Promise(() => {});
  }
}

/** Starts a connect on a fresh link and hands back the broker side once CONNECT has arrived. */
async function startConnect(options: Partial<MqttConnectOptions> = {}) {
  const link = new ScriptedLink();
  const clock = new ManualClock();
  const connecting = MqttClient.connect(link, clock, { ...baseOptions, ...options });
  connecting.catch(() => {});
  const broker = await ScriptedBroker.accept(link);
  const connect = await broker.expect('connect');
  return { link, clock, connecting, broker, connect };
}

describe('MqttClient.connect', () => {
  it('sends CONNECT as Fairway asks: level 4, clean session, device id as client id and user name, binary credential, keep alive 30', async () => {
    const { connect } = await startConnect();
    expect(connect).toMatchObject({ protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'hh-0001', username: 'hh-0001', keepalive: 30 });
    expect(new Uint8Array(connect.password as Buffer)).toEqual(CREDENTIAL);
    expect(connect.will).toBeUndefined();
  });

  it('sends the keep alive it was given', async () => {
    const { connect } = await startConnect({ keepAliveSeconds: 5 });
    expect(connect.keepalive).toBe(5);
  });

  it('resolves with an open client on CONNACK 0', async () => {
    const { client } = await connectScripted();
    expect(client.isOpen).toBe(true);
  });

  it.each([1, 2, 3, 4, 5] as const)('rejects CONNACK %i with MqttConnectRefused carrying the return code, and closes the link', async (returnCode) => {
    const { connecting, broker } = await startConnect();
    await broker.send({ cmd: 'connack', returnCode, sessionPresent: false });
    const error = await expectKind(() => connecting, 'closed');
    expect(error).toBeInstanceOf(MqttConnectRefused);
    expect((error as MqttConnectRefused).returnCode).toBe(returnCode);
    expect(await broker.ended).toBe('ended');
  });

  it('rejects with timeout when no CONNACK comes within connectTimeoutMs, and closes the link', async () => {
    const { clock, connecting, broker } = await startConnect({ connectTimeoutMs: 2_000 });
    clock.advance(1_999);
    await settle();
    clock.advance(1);
    const error = await expectKind(() => connecting, 'timeout');
    expect(error.message).toContain('2000');
    expect(await broker.ended).toBe('ended');
  });

  it('times out after the default 10 s', async () => {
    const { clock, connecting } = await startConnect();
    clock.advance(9_999);
    await settle();
    let settled = false;
    connecting.then(() => (settled = true), () => (settled = true));
    await settle();
    expect(settled).toBe(false);
    clock.advance(1);
    await expectKind(() => connecting, 'timeout');
  });

  it('counts the time the link takes to open against the timeout', async () => {
    const link = new StalledLink();
    const clock = new ManualClock();
    const connecting = MqttClient.connect(link, clock, { ...baseOptions, connectTimeoutMs: 500 });
    clock.advance(500);
    await expectKind(() => connecting, 'timeout');
    expect(clock.pendingTimerCount).toBe(0);
  });

  it('closes a link that opened just as the deadline passed, and rejects with timeout', async () => {
    const link = new ScriptedLink();
    const clock = new ManualClock();
    const connecting = MqttClient.connect(link, clock, { ...baseOptions, connectTimeoutMs: 100 });
    // The link has opened (ScriptedLink opens at once), but the client has not yet seen it.
    clock.advance(100);
    await expectKind(() => connecting, 'timeout');
    const broker = await ScriptedBroker.accept(link);
    expect(await broker.ended).toBe('ended');
    expect(broker.unread).toEqual([]);
  });

  it('passes on the link failure when the link cannot connect', async () => {
    const link = new ScriptedLink();
    link.refuseConnections('link-reset');
    await expectKind(() => MqttClient.connect(link, new ManualClock(), baseOptions), 'link-reset');
  });

  it('rejects with closed when the broker hangs up before CONNACK', async () => {
    const { connecting, broker } = await startConnect();
    await broker.connection.close();
    await expectKind(() => connecting, 'closed');
  });

  it('rejects with link-reset when the connection is reset before CONNACK', async () => {
    const { connecting, broker } = await startConnect();
    await broker.connection.reset();
    await expectKind(() => connecting, 'link-reset');
  });

  it('rejects with malformed when the broker sends anything but CONNACK first', async () => {
    const { connecting, broker } = await startConnect();
    await broker.send({ cmd: 'suback', messageId: 1, granted: [1] });
    await expectKind(() => connecting, 'malformed');
    expect(await broker.ended).toBe('ended');
  });

  it('rejects with malformed when CONNACK is not well formed', async () => {
    const { connecting, broker } = await startConnect();
    await broker.sendBytes(Uint8Array.of(0x20, 0x02, 0x00, 0x09));
    await expectKind(() => connecting, 'malformed');
  });

  it('rejects with too-large when the first packet is over the size limit', async () => {
    const { connecting, broker } = await startConnect({ maxPacketBytes: 128 });
    await broker.sendBytes(Uint8Array.of(0x20, 0xff, 0x7f));
    await expectKind(() => connecting, 'too-large');
  });

  it('ignores a CONNACK that arrives after it gave up', async () => {
    const { clock, connecting, broker } = await startConnect({ connectTimeoutMs: 100 });
    clock.advance(100);
    await expectKind(() => connecting, 'timeout');
    expect(await broker.ended).toBe('ended');
    await broker.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    await settle();
    expect(broker.unread).toEqual([]);
  });

  it.each<[string, Partial<MqttConnectOptions>]>([
    ['keep alive 0, which Fairway forbids', { keepAliveSeconds: 0 }],
    ['keep alive 65536', { keepAliveSeconds: 65_536 }],
    ['a fractional keep alive', { keepAliveSeconds: 2.5 }],
    ['a zero connect timeout', { connectTimeoutMs: 0 }],
    ['an infinite connect timeout', { connectTimeoutMs: Number.POSITIVE_INFINITY }],
    ['a packet limit below 128 bytes', { maxPacketBytes: 64 }],
    ['a password that is not bytes', { password: 'pw' as unknown as Uint8Array }],
    ['a client id with U+0000', { clientId: 'hh\u0000' }],
    ['a user name that is not a string', { username: undefined as unknown as string }],
  ])('refuses %s before opening the link', async (_, change) => {
    const link = new StalledLink();
    await expectKind(() => MqttClient.connect(link, new ManualClock(), { ...baseOptions, ...change }), 'invalid-argument');
    expect(link.attempts).toBe(0);
  });

  it('refuses options that are not an object', async () => {
    await expectKind(() => MqttClient.connect(new StalledLink(), new ManualClock(), null as unknown as MqttConnectOptions), 'invalid-argument');
  });

  it('leaves no timer behind once connected', async () => {
    const { clock, client } = await connectScripted();
    // Only the keep-alive timer remains.
    expect(clock.pendingTimerCount).toBe(1);
    await client.close();
    expect(clock.pendingTimerCount).toBe(0);
  });
});
