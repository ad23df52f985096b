/**
 * aedes trap: a client that stops reading fills its socket, aedes waits for 'drain', and
 * its emitter (a bounded number of messages in flight) stops delivering to everyone else
 * until drainTimeout — 60 s by default. The broker sets it to 2 s: a frozen terminal is cut
 * and healthy terminals get all their messages within a bounded time.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { connectDevice, inbox } from './support/mqtt-clients.js';
import { connectPacket, openRaw, rawConnack, SUBACK, subscribePacket } from './support/raw-mqtt.js';

const DRAIN_TIMEOUT_MS = 2000;
/** 300 × 128 KiB = 37.5 MiB per device: far more than loopback socket buffers hold. */
const MESSAGES = 300;
const MESSAGE_BYTES = 128 * 1024;

let fx: BrokerFixture;
beforeEach(async () => {
  fx = await startBroker({ drainTimeoutMs: DRAIN_TIMEOUT_MS });
});
afterEach(() => fx.close());

it('a subscriber that stops reading does not stall delivery to others beyond the drain timeout', async () => {
  const frozenDevice = fx.enrol('frozen');
  const healthyDevice = fx.enrol('healthy');

  // The frozen terminal: connects and subscribes properly, then never reads again.
  const frozen = await openRaw(fx.broker.ports.tcp);
  expect(await rawConnack(frozen, connectPacket('frozen', 'frozen', await frozenDevice.credential()))).toBe(0);
  frozen.socket.write(subscribePacket(1, 'fairway/1/frozen/down/#', 0));
  await waitUntil(() => frozen.packets.some((p) => p.type === SUBACK), 3000, 'SUBACK');
  frozen.socket.pause();

  const healthy = await connectDevice(fx.url, healthyDevice);
  const received = inbox(healthy);
  await healthy.subscribeAsync('fairway/1/healthy/down/#', { qos: 0 });

  const payload = new Uint8Array(MESSAGE_BYTES).fill(7);
  const started = Date.now();
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < MESSAGES; i++) {
    sends.push(fx.broker.publish('frozen', 'chunk', payload, 0));
    sends.push(fx.broker.publish('healthy', 'chunk', payload, 0));
  }
  await waitUntil(() => received.length === MESSAGES, DRAIN_TIMEOUT_MS + 4000, `${MESSAGES} messages at the healthy terminal`);
  const elapsed = Date.now() - started;
  await Promise.all(sends);
  console.info(`[frozen-subscriber] healthy terminal got ${MESSAGES} × ${MESSAGE_BYTES} B in ${elapsed} ms (drainTimeout ${DRAIN_TIMEOUT_MS} ms)`);

  expect(elapsed).toBeLessThan(DRAIN_TIMEOUT_MS + 4000);
  // Cut by the broker (the paused socket itself cannot notice: it reads nothing, not even EOF).
  expect(fx.logs.some((r) => r.msg === 'connection closed on error' && r['clientId'] === 'frozen' && r.reason === 'drain timeout')).toBe(true);
  await waitUntil(() => fx.events.includes('disconnect frozen'), 1000, 'onDisconnect(frozen)');
  expect(fx.broker.connectedCount()).toBe(1);
  expect(healthy.connected).toBe(true);
  frozen.socket.destroy();
  await healthy.endAsync(true);
});
