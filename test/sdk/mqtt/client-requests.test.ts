import { describe, expect, it } from 'vitest';
import { MqttSubscribeRefused, type MqttQos } from '../../../sdk/mqtt/index.js';
import { expectKind } from '../../support/expect-fairway.js';
import { settle } from './support/scripted-broker.js';
import { connectScripted } from './support/scripted-session.js';

const FILTER = 'fairway/1/hh-0001/down/#';
const UP = 'fairway/1/hh-0001/up/login';

/** Records whether a promise has settled yet, without letting a rejection go unhandled. */
function track<T>(promise: Promise<T>): { settled: () => boolean } {
  let done = false;
  promise.then(() => (done = true), () => (done = true));
  return { settled: () => done };
}

describe('subscribe', () => {
  it('sends SUBSCRIBE for the filter and QoS, and resolves with the QoS granted', async () => {
    const { client, broker } = await connectScripted();
    const granted = client.subscribe(FILTER, 1);
    const subscribe = await broker.expect('subscribe');
    expect(subscribe.subscriptions).toEqual([{ topic: FILTER, qos: 1 }]);
    await broker.send({ cmd: 'suback', messageId: subscribe.messageId as number, granted: [1] });
    expect(await granted).toBe(1);
  });

  it('resolves with a lower QoS when the broker grants less', async () => {
    const { client, broker } = await connectScripted();
    const granted = client.subscribe(FILTER, 1);
    const subscribe = await broker.expect('subscribe');
    await broker.send({ cmd: 'suback', messageId: subscribe.messageId as number, granted: [0] });
    expect(await granted).toBe(0);
  });

  it('rejects with MqttSubscribeRefused on SUBACK 0x80, and the connection stays open', async () => {
    const { client, broker } = await connectScripted();
    const granted = client.subscribe('fairway/1/other/down/#', 1);
    const subscribe = await broker.expect('subscribe');
    await broker.send({ cmd: 'suback', messageId: subscribe.messageId as number, granted: [0x80] });
    const error = await expectKind(() => granted, 'invalid-argument');
    expect(error).toBeInstanceOf(MqttSubscribeRefused);
    expect((error as MqttSubscribeRefused).filter).toBe('fairway/1/other/down/#');
    expect(client.isOpen).toBe(true);
  });

  it('closes with malformed when SUBACK grants more than was asked for', async () => {
    const { client, broker, closes } = await connectScripted();
    const granted = client.subscribe(FILTER, 0);
    const subscribe = await broker.expect('subscribe');
    await broker.send({ cmd: 'suback', messageId: subscribe.messageId as number, granted: [1] });
    await expectKind(() => granted, 'closed');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it('closes with malformed when SUBACK carries more than one return code', async () => {
    const { client, broker, closes } = await connectScripted();
    const granted = client.subscribe(FILTER, 1);
    const subscribe = await broker.expect('subscribe');
    await broker.send({ cmd: 'suback', messageId: subscribe.messageId as number, granted: [1, 1] });
    await expectKind(() => granted, 'closed');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it('closes with malformed on a SUBACK nothing is waiting for', async () => {
    const { broker, closes } = await connectScripted();
    await broker.send({ cmd: 'suback', messageId: 77, granted: [1] });
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it.each([
    ['an empty filter', '', 1],
    ['a misplaced #', 'a/#/b', 1],
    ['QoS 2', FILTER, 2],
  ])('refuses %s with invalid-argument and sends nothing', async (_, filter, qos) => {
    const { client, broker } = await connectScripted();
    await expectKind(() => client.subscribe(filter as string, qos as MqttQos), 'invalid-argument');
    await settle();
    expect(broker.unread).toEqual([]);
  });
});

describe('publish', () => {
  it('sends a QoS 0 PUBLISH with retain 0 and resolves once the link has it', async () => {
    const { client, broker } = await connectScripted();
    await client.publish(UP, Uint8Array.of(1, 2, 3), 0);
    const publish = await broker.expect('publish');
    expect(publish).toMatchObject({ topic: UP, qos: 0, retain: false, dup: false });
    expect(new Uint8Array(publish.payload as Buffer)).toEqual(Uint8Array.of(1, 2, 3));
  });

  it('resolves a QoS 1 PUBLISH only when its PUBACK arrives', async () => {
    const { client, broker } = await connectScripted();
    const acked = client.publish(UP, Uint8Array.of(9), 1);
    const progress = track(acked);
    const publish = await broker.expect('publish');
    expect(publish).toMatchObject({ topic: UP, qos: 1, retain: false, dup: false });
    await settle();
    expect(progress.settled()).toBe(false);
    await broker.send({ cmd: 'puback', messageId: publish.messageId as number });
    await acked;
  });

  it('settles each QoS 1 PUBLISH by its own PUBACK, in whatever order they come', async () => {
    const { client, broker } = await connectScripted();
    const first = client.publish(UP, Uint8Array.of(1), 1);
    const second = client.publish(UP, Uint8Array.of(2), 1);
    const secondProgress = track(second);
    const firstProgress = track(first);
    const [a, b] = [await broker.expect('publish'), await broker.expect('publish')];
    expect(a.messageId).not.toBe(b.messageId);
    await broker.send({ cmd: 'puback', messageId: b.messageId as number });
    await second;
    expect(firstProgress.settled()).toBe(false);
    expect(secondProgress.settled()).toBe(true);
    await broker.send({ cmd: 'puback', messageId: a.messageId as number });
    await first;
  });

  it('uses packet ids 1, 2, 3… shared between SUBSCRIBE and PUBLISH', async () => {
    const { client, broker } = await connectScripted();
    client.subscribe(FILTER, 1).catch(() => {});
    client.publish(UP, new Uint8Array(0), 1).catch(() => {});
    client.publish(UP, new Uint8Array(0), 1).catch(() => {});
    const ids = [(await broker.expect('subscribe')).messageId, (await broker.expect('publish')).messageId, (await broker.expect('publish')).messageId];
    expect(ids).toEqual([1, 2, 3]);
    await client.close();
  });

  it('sends packets in the order they were asked for', async () => {
    const { client, broker } = await connectScripted();
    // QoS 0 and 1 interleaved, none awaited: the write queue alone keeps the order.
    for (let i = 0; i < 50; i++) client.publish(UP, Uint8Array.of(i), i % 2 === 0 ? 0 : 1).catch(() => {});
    for (let i = 0; i < 50; i++) {
      const publish = await broker.expect('publish');
      expect([...(publish.payload as Buffer)]).toEqual([i]);
    }
    await client.close();
  });

  it('closes with malformed on a PUBACK nothing is waiting for, and rejects pending publishes with closed', async () => {
    const { client, broker, closes } = await connectScripted();
    const pending = client.publish(UP, Uint8Array.of(1), 1);
    const publish = await broker.expect('publish');
    await broker.send({ cmd: 'puback', messageId: (publish.messageId as number) + 1 });
    const error = await expectKind(() => pending, 'closed');
    expect(error.message).toContain('malformed');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it('closes with malformed on a PUBACK for a packet id a SUBSCRIBE is using', async () => {
    const { client, broker, closes } = await connectScripted();
    const granted = client.subscribe(FILTER, 1);
    const subscribe = await broker.expect('subscribe');
    await broker.send({ cmd: 'puback', messageId: subscribe.messageId as number });
    await expectKind(() => granted, 'closed');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['malformed']);
  });

  it.each([
    ['an empty topic', '', new Uint8Array(0), 0],
    ['a wildcard topic', 'fairway/1/+/up/x', new Uint8Array(0), 0],
    ['a payload that is not bytes', UP, 'text' as unknown as Uint8Array, 1],
    ['QoS 2', UP, new Uint8Array(0), 2],
  ])('refuses %s with invalid-argument and sends nothing', async (_, topic, payload, qos) => {
    const { client, broker } = await connectScripted();
    await expectKind(() => client.publish(topic as string, payload as Uint8Array, qos as MqttQos), 'invalid-argument');
    await settle();
    expect(broker.unread).toEqual([]);
  });
});
