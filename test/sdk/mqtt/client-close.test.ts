import { describe, expect, it } from 'vitest';
import type { FairwayError } from '../../../sdk/errors.js';
import { expectKind } from '../../support/expect-fairway.js';
import { InstrumentedLink } from './support/instrumented-link.js';
import { settle } from './support/scripted-broker.js';
import { connectScripted } from './support/scripted-session.js';

const UP = 'fairway/1/hh-0001/up/receipt';
const FILTER = 'fairway/1/hh-0001/down/#';

describe('closing', () => {
  it('close() sends DISCONNECT, then closes the link, then reports a clean close (null)', async () => {
    const { client, broker, closes } = await connectScripted();
    await client.close();
    expect(await broker.expect('disconnect')).toMatchObject({ cmd: 'disconnect' });
    expect(await broker.ended).toBe('ended');
    expect(closes).toEqual([null]);
    expect(client.isOpen).toBe(false);
  });

  it('close() is idempotent: one DISCONNECT, one close report, the same promise', async () => {
    const { client, broker, closes } = await connectScripted();
    const first = client.close();
    const second = client.close();
    expect(second).toBe(first);
    await first;
    await client.close();
    await broker.ended;
    expect(broker.unread.map((packet) => packet.cmd)).toEqual(['disconnect']);
    expect(closes).toEqual([null]);
  });

  it('rejects pending publishes and subscriptions with closed on close()', async () => {
    const { client, broker } = await connectScripted();
    const publishing = client.publish(UP, Uint8Array.of(1), 1);
    const subscribing = client.subscribe(FILTER, 1);
    await broker.expect('publish');
    await client.close();
    await expectKind(() => publishing, 'closed');
    await expectKind(() => subscribing, 'closed');
  });

  it('refuses new publishes and subscriptions with closed after close()', async () => {
    const { client } = await connectScripted();
    await client.close();
    await expectKind(() => client.publish(UP, Uint8Array.of(1), 0), 'closed');
    await expectKind(() => client.publish(UP, Uint8Array.of(1), 1), 'closed');
    await expectKind(() => client.subscribe(FILTER, 1), 'closed');
  });

  it('reports closed with the reason when the broker closes the connection, and rejects pending publishes', async () => {
    const { client, broker, closes } = await connectScripted();
    const publishing = client.publish(UP, Uint8Array.of(1), 1);
    await broker.expect('publish');
    await broker.connection.close();
    const error = await expectKind(() => publishing, 'closed');
    expect(error.message).toContain('the broker closed the connection');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['closed']);
    expect(client.isOpen).toBe(false);
  });

  it('reports link-reset when the connection is reset, and rejects pending publishes with closed', async () => {
    const { client, broker, closes } = await connectScripted();
    const publishing = client.publish(UP, Uint8Array.of(1), 1);
    await broker.expect('publish');
    await broker.connection.reset();
    await expectKind(() => publishing, 'closed');
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['link-reset']);
  });

  it('reports a failure once, even when close() is called afterwards', async () => {
    const { client, broker, closes } = await connectScripted();
    await broker.connection.reset();
    await settle();
    await client.close();
    expect(closes.map((reason) => reason?.kind)).toEqual(['link-reset']);
  });

  it('tells a close handler registered after the close, once, with the same reason', async () => {
    const { client, broker } = await connectScripted();
    await broker.connection.close();
    await settle();
    const late: Array<FairwayError | null> = [];
    client.onClose((reason) => late.push(reason));
    await settle();
    expect(late.map((reason) => reason?.kind)).toEqual(['closed']);
  });

  it('calls every close handler, even when one throws', async () => {
    const { client } = await connectScripted();
    const calls: string[] = [];
    client.onClose(() => {
      throw new Error('handler bug');
    });
    client.onClose(() => void calls.push('second'));
    await client.close();
    expect(calls).toEqual(['second']);
  });

  it('closes the link anyway, and reports a clean close, when DISCONNECT cannot be written', async () => {
    const { client, broker, closes } = await connectScripted();
    let finish: () => void = () => {};
    client.onMessage(() => new Promise<void>((resolve) => (finish = resolve)));
    await broker.send({ cmd: 'publish', topic: 'fairway/1/hh-0001/down/x', payload: Buffer.alloc(0), qos: 0, dup: false, retain: false });
    await settle();
    // The handler holds the read loop, so only the DISCONNECT write finds out about the reset.
    await broker.connection.reset();
    await client.close();
    finish();
    await settle();
    expect(client.isOpen).toBe(false);
    expect(closes).toEqual([null]);
  });

  it('closes the link after a grace period when DISCONNECT is stuck behind a full transport', async () => {
    const link = new InstrumentedLink();
    const { client, clock, broker, closes } = await connectScripted({}, link);
    link.holdWrites();
    const closing = client.close();
    await settle();
    expect(closes).toEqual([]);
    clock.advance(1_999);
    await settle();
    expect(closes).toEqual([]);
    clock.advance(1);
    await closing;
    expect(closes).toEqual([null]);
    expect(await broker.ended).toBe('ended');
    link.release();
  });
});
