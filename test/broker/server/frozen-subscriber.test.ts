/**
 * aedes trap: a client that stops reading fills its socket, aedes waits for 'drain', and
 * its emitter (a bounded number of messages in flight) stops delivering to everyone else
 * until drainTimeout — 60 s by default. The broker sets it to 2 s, and chunks (QoS 0, the
 * bulk) do not go through aedes' delivery at all but straight to each terminal's connection
 * (broker/transport/direct-delivery.ts): a healthy terminal gets all its messages while the
 * frozen one is still waiting out its drain timeout, and then the frozen one is cut.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import { connectDevice, inbox } from './support/mqtt-clients.js';
import { connectPacket, openRaw, rawConnack, SUBACK, subscribePacket } from './support/raw-mqtt.js';

/** Long enough for the healthy terminal's 18.75 MiB on a busy machine: it must finish before the frozen one is cut. */
const DRAIN_TIMEOUT_MS = 6000;
/** 150 × 128 KiB = 18.75 MiB per device: far more than loopback socket buffers hold for a reader that reads nothing. */
const MESSAGES = 150;
const MESSAGE_BYTES = 128 * 1024;

let fx: BrokerFixture;
beforeEach(async () => {
  fx = await startBroker({ drainTimeoutMs: DRAIN_TIMEOUT_MS });
});
afterEach(() => fx.close());

it('a subscriber that stops reading does not stall delivery to others, and is cut by the drain timeout', async () => {
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
  console.info(`[frozen-subscriber] healthy terminal got ${MESSAGES} × ${MESSAGE_BYTES} B in ${elapsed} ms (drainTimeout ${DRAIN_TIMEOUT_MS} ms)`);
  // All of it while the frozen terminal still waited out its drain timeout: no coupling at all.
  expect(fx.broker.connectedCount(), 'the healthy terminal got its messages only once the frozen one was cut').toBe(2);
  await Promise.all(sends);
  // Cut by the broker (the paused socket itself cannot notice: it reads nothing, not even EOF).
  expect(fx.logs.some((r) => r.msg === 'connection closed on error' && r['clientId'] === 'frozen' && r.reason === 'drain timeout')).toBe(true);
  await waitUntil(() => fx.events.includes('disconnect frozen'), 1000, 'onDisconnect(frozen)');
  expect(fx.broker.connectedCount()).toBe(1);
  expect(healthy.connected).toBe(true);
  frozen.socket.destroy();
  await healthy.endAsync(true);
});
