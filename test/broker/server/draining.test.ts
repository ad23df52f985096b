/**
 * What a draining node needs from the broker [issue 11 §4]: stop taking connections on every
 * port while the connected terminals keep being served, then close them a few at a time,
 * longest-connected first.
 */
import type { MqttClient } from 'mqtt';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { closed, connectDevice, endAll } from './support/mqtt-clients.js';

let fx: BrokerFixture | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await endAll(...clients.splice(0));
  await fx?.close();
});

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

describe('a draining broker', () => {
  it('refuses new connections on TCP and WebSocket, and keeps serving the connected ones', async () => {
    fx = await startBroker({ wsPort: 0 });
    const tcp = await connectDevice(fx.url, fx.enrol('alice'));
    const ws = await connectDevice(`ws://127.0.0.1:${fx.broker.ports.ws}`, fx.enrol('bob'));
    clients.push(tcp, ws);

    fx.broker.stopAccepting();
    expect(await refused(fx.broker.ports.tcp)).toBe(true);
    expect(await refused(fx.broker.ports.ws!)).toBe(true);
    expect(fx.broker.connectedCount()).toBe(2);

    await tcp.publishAsync('fairway/1/alice/up/login', Buffer.from('still here'), { qos: 1 });
    await ws.publishAsync('fairway/1/bob/up/login', Buffer.from('me too'), { qos: 1 });
    await waitUntil(() => fx!.up.length === 2, 3000, 'both up messages');
  });

  it('closes terminal connections in batches, longest-connected first', async () => {
    fx = await startBroker();
    const ids = ['t1', 't2', 't3', 't4', 't5'];
    for (const id of ids) clients.push(await connectDevice(fx.url, fx.enrol(id)));
    fx.broker.stopAccepting();

    expect(fx.broker.disconnectSome(2)).toBe(2);
    await Promise.all(clients.slice(0, 2).map(closed));
    await waitUntil(() => fx!.broker.connectedCount() === 3, 3000, 'two gone');
    expect(fx.events.filter((e) => e.startsWith('disconnect'))).toEqual(['disconnect t1', 'disconnect t2']);

    expect(fx.broker.disconnectSome(2)).toBe(2);
    // Closed but not yet reported gone: not chosen again.
    expect(fx.broker.disconnectSome(10)).toBe(1);
    await waitUntil(() => fx!.broker.connectedCount() === 0, 3000, 'all gone');
    expect(fx.broker.disconnectSome(10)).toBe(0);
  });
});
