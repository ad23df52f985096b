import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../sdk/testing/bytes.js';
import type { MqttQos } from '../../../sdk/mqtt/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { generate } from './support/reference-packets.js';
import { settle } from './support/scripted-broker.js';
import { connectScripted } from './support/scripted-session.js';

const DOWN = 'fairway/1/hh-0001/down/login.ok';

interface Received {
  topic: string;
  payload: Uint8Array;
  qos: MqttQos;
}

describe('inbound messages', () => {
  it('hands a QoS 0 message to the handler and acknowledges nothing', async () => {
    const { client, broker } = await connectScripted();
    const received: Received[] = [];
    client.onMessage((topic, payload, qos) => void received.push({ topic, payload, qos }));
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1, 2]), qos: 0, dup: false, retain: false });
    await settle();
    expect(received).toEqual([{ topic: DOWN, payload: Uint8Array.of(1, 2), qos: 0 }]);
    expect(broker.unread).toEqual([]);
  });

  it('acknowledges a QoS 1 message with its packet id once the handler has settled', async () => {
    const { client, broker } = await connectScripted();
    let finish: () => void = () => {};
    const received: Received[] = [];
    client.onMessage((topic, payload, qos) => {
      received.push({ topic, payload, qos });
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([7]), qos: 1, messageId: 4242, dup: false, retain: false });
    await settle();
    expect(received).toEqual([{ topic: DOWN, payload: Uint8Array.of(7), qos: 1 }]);
    expect(broker.unread).toEqual([]);
    finish();
    expect(await broker.expect('puback')).toMatchObject({ messageId: 4242 });
  });

  it('still acknowledges, and stays open, when the handler throws', async () => {
    const { client, broker } = await connectScripted();
    client.onMessage(() => {
      throw new Error('handler bug');
    });
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1]), qos: 1, messageId: 1, dup: false, retain: false });
    expect(await broker.expect('puback')).toMatchObject({ messageId: 1 });
    expect(client.isOpen).toBe(true);
  });

  it('still acknowledges, and stays open, when the handler rejects', async () => {
    const { client, broker } = await connectScripted();
    client.onMessage(() => Promise.reject(new Error('storage full')));
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1]), qos: 1, messageId: 2, dup: false, retain: false });
    expect(await broker.expect('puback')).toMatchObject({ messageId: 2 });
    expect(client.isOpen).toBe(true);
  });

  it('acknowledges and drops a QoS 1 message when no handler is set', async () => {
    const { broker, client } = await connectScripted();
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1]), qos: 1, messageId: 3, dup: true, retain: false });
    expect(await broker.expect('puback')).toMatchObject({ messageId: 3 });
    expect(client.isOpen).toBe(true);
  });

  it('uses the latest handler set', async () => {
    const { client, broker } = await connectScripted();
    const calls: string[] = [];
    client.onMessage(() => void calls.push('first'));
    client.onMessage(() => void calls.push('second'));
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
    await settle();
    expect(calls).toEqual(['second']);
  });

  it('delivers messages in the order they arrived, several in one read', async () => {
    const { client, broker } = await connectScripted();
    const payloads: number[] = [];
    client.onMessage((_, payload) => void payloads.push(payload[0] as number));
    const bytes = concatBytes(
      Array.from({ length: 20 }, (_, i) => generate({ cmd: 'publish', topic: DOWN, payload: Buffer.from([i]), qos: 0, dup: false, retain: false })),
    );
    await broker.sendBytes(bytes);
    await settle();
    expect(payloads).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('closes with malformed when the broker sends a QoS 2 message', async () => {
    const { client, broker, closes } = await connectScripted();
    const calls: string[] = [];
    client.onMessage((topic) => void calls.push(topic));
    await broker.sendBytes(Uint8Array.of(0x34, 0x05, 0x00, 0x01, 0x61, 0x00, 0x01));
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
    expect(calls).toEqual([]);
    expect(await broker.ended).toBe('ended');
  });

  it('closes with too-large when the broker announces a packet over the limit, and rejects pending publishes with closed', async () => {
    const { client, broker, closes } = await connectScripted({ maxPacketBytes: 1024 });
    const pending = client.publish('fairway/1/hh-0001/up/menu.get', Uint8Array.of(1), 1);
    await broker.expect('publish');
    // A PUBLISH announcing 2 MiB: only its header is sent.
    await broker.sendBytes(Uint8Array.of(0x30, 0x80, 0x80, 0x80, 0x01));
    const error = await expectKind(() => pending, 'closed');
    expect(error.message).toContain('too-large');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['too-large']);
  });

  it('closes with malformed on a Remaining Length of five bytes', async () => {
    const { broker, closes } = await connectScripted();
    await broker.sendBytes(Uint8Array.of(0x30, 0xff, 0xff, 0xff, 0xff, 0x01));
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it('closes with malformed on a second CONNACK', async () => {
    const { broker, closes } = await connectScripted();
    await broker.send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });
});
