/**
 * Connection hygiene [issue 12 §6, FW-2.3]: a CONNECT asking for Keep Alive 0 (never timed
 * out) or above the maximum is closed without a CONNACK; connections over the cap per source
 * address, or in all, are closed before a byte is read — anonymous ones included — and the
 * slots come back when connections close. Raw sockets, so nothing a client library would
 * normalise gets in the way.
 */
import { afterEach, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { CONNACK, connectPacket, openRaw, rawConnack, type RawConnection } from './support/raw-mqtt.js';

let fx: BrokerFixture | undefined;
const open: RawConnection[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) c.socket.destroy();
  await fx?.close();
  fx = undefined;
});

/** True when the broker has not closed `c` within `ms`. */
function stillOpenAfter(c: RawConnection, ms: number): Promise<boolean> {
  return Promise.race([c.closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms))]);
}

async function raw(port: number, from?: string): Promise<RawConnection> {
  const c = await openRaw(port, from);
  open.push(c);
  return c;
}

it.each([
  [0, 'refused'],
  [1_201, 'refused'],
  [1, 'accepted'],
  [1_200, 'accepted'],
] as const)('Keep Alive %i s is %s', async (keepAlive, outcome) => {
  fx = await startBroker({ maxKeepAliveSeconds: 1_200 });
  const device = fx.enrol('alice');
  const c = await raw(fx.broker.ports.tcp);
  c.socket.write(connectPacket('alice', 'alice', await device.credential(), keepAlive));
  if (outcome === 'accepted') {
    await waitUntil(() => c.packets.some((p) => p.type === CONNACK), 3000, 'CONNACK');
    expect(c.packets.find((p) => p.type === CONNACK)?.body[1]).toBe(0);
    return;
  }
  await c.closed;
  expect(c.packets).toEqual([]);
  expect(fx.logged('connect refused')).toEqual([expect.objectContaining({ reason: expect.stringContaining(`keep alive ${keepAlive} s is outside 1–1200 s`) })]);
});

it('closes connections over the per-source cap at once, counts other sources apart, and frees a slot when one closes', async () => {
  fx = await startBroker({ allowAnonymous: true, maxConnectionsPerSource: 2, maxConnections: 10 });
  const port = fx.broker.ports.tcp;
  const a1 = await raw(port, '127.0.0.1');
  await raw(port, '127.0.0.1');
  const third = await raw(port, '127.0.0.1');
  await third.closed; // refused before anything was read
  expect(fx.logged('connection refused: over a connection cap')).toEqual([expect.objectContaining({ reason: expect.stringContaining('from 127.0.0.1: the cap of 2 per source') })]);
  // Another source still gets in, and is served.
  const device = fx.enrol('alice');
  const other = await raw(port, '127.0.0.2');
  expect(await rawConnack(other, connectPacket('alice', 'alice', await device.credential()))).toBe(0);
  // A closed connection gives its slot back.
  a1.socket.destroy();
  await a1.closed;
  for (let attempt = 0; ; attempt++) {
    const again = await raw(port, '127.0.0.1');
    if (await stillOpenAfter(again, 200)) break;
    expect(attempt, 'the slot of a closed connection was never given back').toBeLessThan(10);
  }
});

it('closes connections over the total cap, whatever their source', async () => {
  fx = await startBroker({ allowAnonymous: true, maxConnectionsPerSource: 10, maxConnections: 3 });
  const port = fx.broker.ports.tcp;
  for (const from of ['127.0.0.1', '127.0.0.2', '127.0.0.3']) await raw(port, from);
  const fourth = await raw(port, '127.0.0.4');
  await fourth.closed;
  expect(fx.logged('connection refused: over a connection cap')).toEqual([expect.objectContaining({ reason: expect.stringContaining('the cap of 3') })]);
});
