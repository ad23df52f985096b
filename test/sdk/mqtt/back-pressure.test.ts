import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../sdk/testing/bytes.js';
import { InstrumentedLink } from './support/instrumented-link.js';
import { generate } from './support/reference-packets.js';
import { settle } from './support/scripted-broker.js';
import { connectScripted } from './support/scripted-session.js';

const DOWN = 'fairway/1/hh-0001/down/chunk';

describe('back-pressure', () => {
  it('does not read from the link again until a slow handler has settled', async () => {
    const link = new InstrumentedLink();
    const { client, broker } = await connectScripted({}, link);
    const started: number[] = [];
    const finishers: Array<() => void> = [];
    client.onMessage((_, payload) => {
      started.push(payload[0] as number);
      return new Promise<void>((resolve) => finishers.push(resolve));
    });

    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1]), qos: 1, messageId: 1, dup: false, retain: false });
    await settle();
    expect(started).toEqual([1]);
    const readsWhileBusy = link.reads;

    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([2]), qos: 1, messageId: 2, dup: false, retain: false });
    await settle();
    // The second message waits in the link: not read, not handed over, nothing acknowledged.
    expect(link.reads).toBe(readsWhileBusy);
    expect(started).toEqual([1]);
    expect(broker.unread).toEqual([]);

    finishers[0]?.();
    expect(await broker.expect('puback')).toMatchObject({ messageId: 1 });
    await settle();
    expect(link.reads).toBeGreaterThan(readsWhileBusy);
    expect(started).toEqual([1, 2]);

    finishers[1]?.();
    expect(await broker.expect('puback')).toMatchObject({ messageId: 2 });
  });

  it('holds packets already framed from the same read until the handler settles', async () => {
    const link = new InstrumentedLink();
    const { client, broker } = await connectScripted({}, link);
    let finish: () => void = () => {};
    const started: number[] = [];
    client.onMessage((_, payload) => {
      started.push(payload[0] as number);
      if (payload[0] === 1) return new Promise<void>((resolve) => (finish = resolve));
    });
    await broker.sendBytes(
      concatBytes([1, 2].map((n) => generate({ cmd: 'publish', topic: DOWN, payload: Buffer.from([n]), qos: 0, dup: false, retain: false }))),
    );
    await settle();
    expect(started).toEqual([1]);
    finish();
    await settle();
    expect(started).toEqual([1, 2]);
  });

  it('keeps sending while a handler runs: publishes and pings do not wait for the read loop', async () => {
    const link = new InstrumentedLink();
    const { client, broker, clock } = await connectScripted({ keepAliveSeconds: 5 }, link);
    client.onMessage(() => new Promise<void>(() => {}));
    await broker.send({ cmd: 'publish', topic: DOWN, payload: Buffer.from([1]), qos: 0, dup: false, retain: false });
    await settle();
    await client.publish('fairway/1/hh-0001/up/chunks.get', Uint8Array.of(1), 0);
    expect(await broker.expect('publish')).toMatchObject({ qos: 0 });
    clock.advance(5_000);
    await broker.expect('pingreq');
    await client.close();
  });
});
