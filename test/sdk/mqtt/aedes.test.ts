/**
 * The portable client against a real aedes broker over TCP on 127.0.0.1, through the Node port's
 * TcpLink and SystemClock, with mqtt.js on the other side of the broker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AedesOptions, Client } from 'aedes';
import type { MqttClient as MqttJsClient } from 'mqtt';
import { SystemClock, TcpLink } from '../../../device/ports/node/index.js';
import type { FairwayError } from '../../../sdk/errors.js';
import { MqttClient, MqttConnectRefused, type MqttConnectOptions, type MqttQos } from '../../../sdk/mqtt/index.js';
import { firstDifference, patternBytes } from '../../../sdk/testing/bytes.js';
import { expectKind } from '../../support/expect-fairway.js';
import { connectMqttJs, startAedes, type AedesBroker } from './support/aedes-broker.js';
import { CREDENTIAL } from './support/scripted-session.js';

const DEVICE = 'hh-0001';
const DOWN_FILTER = `fairway/1/${DEVICE}/down/#`;
const options: MqttConnectOptions = { clientId: DEVICE, username: DEVICE, password: CREDENTIAL, connectTimeoutMs: 5_000 };

let broker: AedesBroker | undefined;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await broker?.close();
  broker = undefined;
});

async function start(aedesOptions: AedesOptions = {}): Promise<AedesBroker> {
  broker = await startAedes(aedesOptions);
  return broker;
}

async function connect(extra: Partial<MqttConnectOptions> = {}): Promise<MqttClient> {
  if (!broker) throw new Error('no broker');
  const client = await MqttClient.connect(new TcpLink('127.0.0.1', broker.port), new SystemClock(), { ...options, ...extra });
  cleanups.push(() => client.close());
  return client;
}

async function otherClient(): Promise<MqttJsClient> {
  if (!broker) throw new Error('no broker');
  const client = await connectMqttJs(broker.url, 'store-side');
  cleanups.push(() => client.endAsync(true));
  return client;
}

/** Resolves after `count` messages on the mqtt.js client, with their topics, payloads and QoS. */
function collect(client: MqttJsClient, count: number): Promise<Array<{ topic: string; payload: Uint8Array; qos: number }>> {
  const received: Array<{ topic: string; payload: Uint8Array; qos: number }> = [];
  return new Promise((resolve) => {
    client.on('message', (topic, payload, packet) => {
      received.push({ topic, payload: new Uint8Array(payload), qos: packet.qos });
      if (received.length === count) resolve(received);
    });
  });
}

function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

describe('against aedes over TCP', () => {
  it('connects, and the broker sees the client id, user name and binary password', async () => {
    const seen: Array<{ id: string; username: string | undefined; password: Uint8Array | undefined }> = [];
    await start({
      authenticate: (client, username, password, done) => {
        seen.push({ id: client.id, username, password: password ? new Uint8Array(password) : undefined });
        done(null, true);
      },
    });
    const client = await connect();
    expect(client.isOpen).toBe(true);
    expect(seen).toEqual([{ id: DEVICE, username: DEVICE, password: CREDENTIAL }]);
  });

  it.each([4, 5] as const)('rejects with MqttConnectRefused when the broker answers CONNACK %i', async (returnCode) => {
    await start({
      authenticate: (_client, _username, _password, done) => done(Object.assign(new Error('refused'), { returnCode }), null),
    });
    const error = await expectKind(() => connect(), 'closed');
    expect(error).toBeInstanceOf(MqttConnectRefused);
    expect((error as MqttConnectRefused).returnCode).toBe(returnCode);
  });

  it('subscribes and is granted the QoS asked for', async () => {
    await start();
    const client = await connect();
    expect(await client.subscribe(DOWN_FILTER, 1)).toBe(1);
    expect(await client.subscribe(`fairway/1/${DEVICE}/other`, 0)).toBe(0);
  });

  it('reports a subscription the broker refuses as MqttSubscribeRefused', async () => {
    await start({ authorizeSubscribe: (_client, subscription, done) => done(null, subscription.topic.startsWith('$') ? null : subscription) });
    const client = await connect();
    await expectKind(() => client.subscribe('$SYS/#', 1), 'invalid-argument');
    expect(client.isOpen).toBe(true);
  });

  it.each([0, 1] as const)('publishes at QoS %i to an mqtt.js subscriber', async (qos) => {
    await start();
    const store = await otherClient();
    await store.subscribeAsync('fairway/1/+/up/+', { qos: 1 });
    const client = await connect();
    const arriving = collect(store, 1);
    await client.publish(`fairway/1/${DEVICE}/up/login`, Uint8Array.of(0xa1, 0x61, 0x74, 0x01), qos);
    expect(await arriving).toEqual([{ topic: `fairway/1/${DEVICE}/up/login`, payload: Uint8Array.of(0xa1, 0x61, 0x74, 0x01), qos }]);
  });

  it.each([0, 1] as const)('receives at QoS %i what mqtt.js publishes, and acknowledges QoS 1', async (qos) => {
    await start();
    // aedes reports each PUBACK it gets from a client (the packet itself is not kept for clean sessions).
    const acks: string[] = [];
    broker?.aedes.on('ack', (_packet, from) => void acks.push(from.id));
    const client = await connect();
    const received: Array<{ topic: string; payload: Uint8Array; qos: MqttQos }> = [];
    client.onMessage((topic, payload, q) => void received.push({ topic, payload, qos: q }));
    await client.subscribe(DOWN_FILTER, 1);
    const store = await otherClient();
    await store.publishAsync(`fairway/1/${DEVICE}/down/login.ok`, Buffer.from([1, 2, 3]), { qos });
    await until(() => received.length === 1, 3_000, 'the message');
    expect(received).toEqual([{ topic: `fairway/1/${DEVICE}/down/login.ok`, payload: Uint8Array.of(1, 2, 3), qos }]);
    if (qos === 1) await until(() => acks.length === 1, 3_000, 'the PUBACK to reach the broker');
    expect(acks).toEqual(qos === 1 ? [DEVICE] : []);
  });

  // As Fairway uses them: requests up at QoS 1, chunks down at QoS 0 [FW-2.5.2]. (A broker need not
  // keep order between messages of different QoS, so each direction sticks to one.)
  it('carries 1 000 messages of 16 KiB each way, in order and intact', async () => {
    await start();
    const count = 1_000;
    const size = 16 * 1024;
    const store = await otherClient();
    await store.subscribeAsync('fairway/1/+/up/+', { qos: 1 });
    const client = await connect();
    const received: Uint8Array[] = [];
    client.onMessage((_, payload) => void received.push(payload));
    await client.subscribe(DOWN_FILTER, 1);

    // Up: our client publishes, mqtt.js receives.
    const arriving = collect(store, count);
    await Promise.all(Array.from({ length: count }, (_, i) => client.publish(`fairway/1/${DEVICE}/up/chunks.get`, patternBytes(size, i), 1)));
    const up = await arriving;
    for (let i = 0; i < count; i++) expect(firstDifference(up[i]?.payload ?? new Uint8Array(0), patternBytes(size, i)), `up message ${i}`).toBe(-1);

    // Down: mqtt.js publishes, our client receives.
    await Promise.all(Array.from({ length: count }, (_, i) => store.publishAsync(`fairway/1/${DEVICE}/down/chunk`, Buffer.from(patternBytes(size, i)), { qos: 0 })));
    await until(() => received.length === count, 15_000, `${count} messages`);
    for (let i = 0; i < count; i++) expect(firstDifference(received[i] as Uint8Array, patternBytes(size, i)), `down message ${i}`).toBe(-1);
  });

  it('keeps an idle connection up with pings: keep alive 1 s, idle for 3 s', async () => {
    await start();
    let pings = 0;
    broker?.aedes.on('ping', () => void pings++);
    const client = await connect({ keepAliveSeconds: 1 });
    const closes: Array<FairwayError | null> = [];
    client.onClose((reason) => closes.push(reason));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // aedes drops a client silent for 1.5 s; the pings are what keeps this one.
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(closes).toEqual([]);
    expect(client.isOpen).toBe(true);
    await client.subscribe(DOWN_FILTER, 0);
  });

  it('reports the broker closing the connection, and rejects the publish still waiting for its PUBACK', async () => {
    let stalled: Client | undefined;
    // The broker holds the publish (no PUBACK), then drops the client.
    await start({ authorizePublish: (client) => void (stalled = client ?? undefined) });
    const client = await connect();
    const closed = new Promise<FairwayError | null>((resolve) => client.onClose(resolve));
    const publishing = client.publish(`fairway/1/${DEVICE}/up/receipt`, Uint8Array.of(1), 1);
    publishing.catch(() => {});
    await until(() => stalled !== undefined, 3_000, 'the publish to reach the broker');
    stalled?.close();
    const reason = await closed;
    expect(['closed', 'link-reset']).toContain(reason?.kind);
    await expectKind(() => publishing, 'closed');
    expect(client.isOpen).toBe(false);
  });

  it('reports DISCONNECT to the broker as a clean close', async () => {
    await start();
    const disconnected = new Promise<string>((resolve) => broker?.aedes.on('clientDisconnect', (c) => resolve(c.id)));
    const errors: string[] = [];
    broker?.aedes.on('clientError', (_c, error) => void errors.push(error.message));
    const client = await connect();
    await client.close();
    expect(await disconnected).toBe(DEVICE);
    expect(errors).toEqual([]);
  });
});
