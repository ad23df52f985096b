import { describe, expect, it } from 'vitest';
import { settle } from './support/scripted-broker.js';
import { connectScripted } from './support/scripted-session.js';

const UP = 'fairway/1/hh-0001/up/menu.get';

describe('keep-alive', () => {
  it('sends PINGREQ once nothing has been sent for the keep-alive period', async () => {
    const { clock, broker } = await connectScripted({ keepAliveSeconds: 30 });
    clock.advance(29_999);
    await settle();
    expect(broker.unread).toEqual([]);
    clock.advance(1);
    await broker.expect('pingreq');
  });

  it('counts the period from the last packet sent, so a busy connection sends no pings', async () => {
    const { clock, broker, client } = await connectScripted({ keepAliveSeconds: 30 });
    clock.advance(20_000);
    await client.publish(UP, Uint8Array.of(1), 0);
    await broker.expect('publish');
    clock.advance(29_999);
    await settle();
    expect(broker.unread).toEqual([]);
    clock.advance(1);
    await broker.expect('pingreq');
  });

  it('stays open across many periods while each ping is answered', async () => {
    const { clock, broker, client, closes } = await connectScripted({ keepAliveSeconds: 1 });
    for (let period = 0; period < 10; period++) {
      clock.advance(1_000);
      await broker.expect('pingreq');
      await broker.send({ cmd: 'pingresp' });
      await settle();
    }
    expect(client.isOpen).toBe(true);
    expect(closes).toEqual([]);
  });

  it('closes with timeout when nothing comes back within 1.5 × keep alive of a ping', async () => {
    const { clock, broker, client, closes } = await connectScripted({ keepAliveSeconds: 10 });
    const pending = client.publish(UP, Uint8Array.of(1), 1);
    pending.catch(() => {});
    await broker.expect('publish');
    clock.advance(10_000);
    await broker.expect('pingreq');
    clock.advance(14_999);
    await settle();
    expect(client.isOpen).toBe(true);
    clock.advance(1);
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['timeout']);
    await expect(pending).rejects.toMatchObject({ kind: 'closed' });
    expect(await broker.ended).toBe('ended');
  });

  it('keeps pinging every period while an earlier ping is unanswered, without moving the deadline', async () => {
    const { clock, broker, closes } = await connectScripted({ keepAliveSeconds: 10 });
    clock.advance(10_000);
    await broker.expect('pingreq');
    clock.advance(10_000);
    await broker.expect('pingreq');
    clock.advance(4_999);
    await settle();
    expect(closes).toEqual([]);
    clock.advance(1);
    await settle();
    expect(closes.map((reason) => reason?.kind)).toEqual(['timeout']);
  });

  it('takes any packet from the broker as an answer to a ping', async () => {
    const { clock, broker, closes } = await connectScripted({ keepAliveSeconds: 10 });
    clock.advance(10_000);
    await broker.expect('pingreq');
    await broker.send({ cmd: 'publish', topic: 'fairway/1/hh-0001/down/chunk', payload: Buffer.alloc(1), qos: 0, dup: false, retain: false });
    await settle();
    clock.advance(9_999);
    await settle();
    expect(closes).toEqual([]);
  });

  it('stops its timers once closed', async () => {
    const { clock, broker, client } = await connectScripted({ keepAliveSeconds: 1 });
    await client.close();
    expect(clock.pendingTimerCount).toBe(0);
    clock.advance(10_000);
    await settle();
    expect(broker.unread.map((packet) => packet.cmd)).toEqual(['disconnect']);
  });
});
