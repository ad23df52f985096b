/**
 * The same terminal conversation over each transport: MQTT over TLS [FW-1.5] and MQTT over
 * WebSocket. Authentication and isolation are transport-independent: they sit in aedes.
 */
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { connackCode, connectDevice, deviceOptions, inbox } from './support/mqtt-clients.js';
import { hasOpenssl, makeSelfSigned } from './support/self-signed.js';

let fx: BrokerFixture | undefined;
afterEach(() => fx?.close());

/** Login-shaped round trip: up to the store, down to the terminal, nothing to anyone else. */
async function roundTrip(client: MqttClient, deviceId: string): Promise<void> {
  const received = inbox(client);
  await client.subscribeAsync(`fairway/1/${deviceId}/down/#`, { qos: 1 });
  await client.publishAsync(`fairway/1/${deviceId}/up/login`, Buffer.from('hello'), { qos: 1 });
  await waitUntil(() => fx!.up.length === 1, 3000, 'the up message');
  expect(fx!.up[0]).toMatchObject({ deviceId, type: 'login' });
  await fx!.broker.publish(deviceId, 'login.ok', Buffer.from('welcome'), 1);
  await waitUntil(() => received.length === 1, 3000, 'the down message');
  expect(received[0]!.topic).toBe(`fairway/1/${deviceId}/down/login.ok`);
  await client.endAsync();
}

const openssl = hasOpenssl();
if (!openssl) console.warn('\n!!! openssl not found: the TLS transport tests are SKIPPED (apt-get install openssl) !!!\n');

describe.skipIf(!openssl)('MQTT over TLS', () => {
  const tls = openssl ? makeSelfSigned() : { cert: '', key: '' };

  it('authenticates and carries messages over TLS, trusting the test certificate', async () => {
    fx = await startBroker({ tls });
    const device = fx.enrol('alice');
    const client = await connectDevice(`mqtts://127.0.0.1:${fx.broker.ports.tcp}`, device, { ca: tls.cert, rejectUnauthorized: true });
    await roundTrip(client, 'alice');
  });

  it('still refuses bad credentials over TLS', async () => {
    fx = await startBroker({ tls });
    const device = fx.enrol('alice');
    const options = await deviceOptions(device, { ca: tls.cert, username: 'mallory' });
    expect(await connackCode(`mqtts://127.0.0.1:${fx.broker.ports.tcp}`, options)).toBe(4);
  });

  it('speaks only TLS on that port: a plain MQTT client gets no CONNACK', async () => {
    fx = await startBroker({ tls });
    const device = fx.enrol('alice');
    await expect(connackCode(fx.url, await deviceOptions(device))).rejects.toThrow();
    expect(fx.logged('connect accepted')).toEqual([]);
  });

  it('closes promptly even with a connection stuck before its TLS handshake', async () => {
    fx = await startBroker({ tls });
    const stuck = connect({ host: '127.0.0.1', port: fx.broker.ports.tcp });
    await new Promise<void>((resolve) => stuck.once('connect', resolve));
    stuck.on('error', () => {});
    const started = Date.now();
    await fx.close();
    fx = undefined;
    expect(Date.now() - started).toBeLessThan(1000);
    stuck.destroy();
  });

  it('completes a TLS handshake for 127.0.0.1 with the certificate it was given', async () => {
    fx = await startBroker({ tls });
    const socket = tlsConnect({ host: '127.0.0.1', port: fx.broker.ports.tcp, ca: tls.cert });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    expect(socket.authorized).toBe(true);
    socket.destroy();
  });
});

describe('MQTT over WebSocket', () => {
  it('authenticates and carries messages over ws://', async () => {
    fx = await startBroker({ wsPort: 0 });
    expect(fx.broker.ports.ws).toBeGreaterThan(0);
    const device = fx.enrol('alice');
    const client = await connectDevice(`ws://127.0.0.1:${fx.broker.ports.ws}`, device);
    await roundTrip(client, 'alice');
  });

  it('applies the same credential checks and isolation over WebSocket', async () => {
    fx = await startBroker({ wsPort: 0 });
    const device = fx.enrol('alice');
    const url = `ws://127.0.0.1:${fx.broker.ports.ws}`;
    const options = await deviceOptions(device);
    expect(await connackCode(url, options)).toBe(0);
    expect(await connackCode(url, options)).toBe(4); // replayed nonce
    const client = await connectDevice(url, device);
    const error = await client.subscribeAsync('fairway/1/bob/down/#', { qos: 1 }).then(
      () => undefined,
      (e: Error & { packet?: { granted?: number[] } }) => e,
    );
    expect(error?.packet?.granted).toEqual([0x80]);
    await client.endAsync();
  });
});
