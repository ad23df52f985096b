/**
 * The portable MQTT client over a RadioLink into the real Fairway broker (aedes with the
 * terminal authentication, ACL and size guard) through `broker.acceptStream`, everything driven by
 * SimClock.runUntil: the broker's clock is the SimClock, so the credential's time checks out in
 * virtual time, and the terminal's key and nonce come from the seed.
 */
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createBroker, type Broker } from '../../../broker/server.js';
import { makeCredential } from '../../../device/session/credential.js';
import { simHal, SimClock, SimRandom, type RadioProfileInput, type SimHal } from '../../../sim/hal/index.js';
import { isFairwayError } from '../../../sdk/errors.js';
import { MqttClient } from '../../../sdk/mqtt/index.js';
import { patternBytes } from '../../../sdk/testing/bytes.js';
import { downFilter, topicFor } from '../../../sdk/wire/topics.js';
import { seed } from '../../support/seed.js';
import { runUntilSettled } from './support/drive.js';

const DEVICE = 'hh-sim-0001';

interface World {
  time: SimClock;
  broker: Broker;
  terminal: SimHal;
  upMessages: Array<{ deviceId: string; type: string; payload: Uint8Array; atMs: number }>;
}

let world: World | undefined;

afterEach(async () => {
  await world?.broker.close();
  world = undefined;
});

async function startWorld(profile: RadioProfileInput, worldSeed = seed): Promise<World> {
  const time = new SimClock();
  const terminalRandom = SimRandom.fromSeed(worldSeed).fork(DEVICE);
  const upMessages: World['upMessages'] = [];
  let broker: Broker | undefined;
  const terminal = simHal({
    time,
    random: terminalRandom,
    profile,
    flashBytes: 1 << 20,
    peerName: DEVICE,
    attach: (stream, peer) => broker?.acceptStream(stream, peer),
  });
  broker = await createBroker({
    clock: time,
    logger: pino({ level: 'silent' }),
    directory: {
      publicKeyOf: async (deviceId) => (deviceId === DEVICE ? terminal.hal.signer.publicKey : undefined),
      mayConnect: async () => true,
    },
    onMessage: (deviceId, type, payload) => void upMessages.push({ deviceId, type, payload, atMs: time.monotonicMs() }),
  });
  world = { time, broker, terminal, upMessages };
  return world;
}

async function connectClient({ time, terminal }: World): Promise<MqttClient> {
  const { hal } = terminal;
  const password = await makeCredential(DEVICE, hal.signer, hal.crypto, hal.clock);
  return runUntilSettled(time, MqttClient.connect(hal.link, hal.clock, { clientId: DEVICE, username: DEVICE, password, keepAliveSeconds: 30 }));
}

describe(`MqttClient over a RadioLink into the broker (FAIRWAY_SEED=${seed})`, () => {
  it('connects after the radio round trips, authenticated by a key drawn from the seed', async () => {
    const w = await startWorld({ preset: '3g', connectDelayMs: 600 });
    const client = await connectClient(w);
    expect(client.isOpen).toBe(true);
    expect(w.broker.connectedCount()).toBe(1);
    // 600 ms to connect, then CONNECT up (200 ms) and CONNACK down (200 ms), plus sending time at 400 kbit/s.
    expect(w.time.monotonicMs()).toBeGreaterThanOrEqual(1_000);
    expect(w.time.monotonicMs()).toBeLessThan(1_020);
    await runUntilSettled(w.time, client.close());
  });

  it('subscribes, receives what the broker publishes, and publishes up, in virtual time', async () => {
    const w = await startWorld('edge');
    const client = await connectClient(w);
    const received: Array<{ topic: string; bytes: number; atMs: number }> = [];
    client.onMessage((topic, payload) => void received.push({ topic, bytes: payload.length, atMs: w.time.monotonicMs() }));
    expect(await runUntilSettled(w.time, client.subscribe(downFilter(DEVICE), 1))).toBe(1);

    const payload = patternBytes(20_000, 5);
    const publishedAtMs = w.time.monotonicMs();
    await runUntilSettled(w.time, w.broker.publish(DEVICE, 'menu', payload, 1));
    await w.time.runUntil({ until: () => received.length === 1 });
    expect(received[0]?.topic).toBe(topicFor(DEVICE, 'menu'));
    expect(received[0]?.bytes).toBe(payload.length);
    // The 20 039-byte PUBLISH takes 338.5 ms on the air at 473.6 kbit/s, plus the latency.
    expect((received[0]?.atMs ?? 0) - publishedAtMs).toBeGreaterThan(338);

    await runUntilSettled(w.time, client.publish(topicFor(DEVICE, 'menu.get'), Uint8Array.of(1, 2, 3), 1));
    await w.time.runUntil({ until: () => w.upMessages.length === 1 });
    expect(w.upMessages[0]).toMatchObject({ deviceId: DEVICE, type: 'menu.get', payload: Uint8Array.of(1, 2, 3) });
    await runUntilSettled(w.time, client.close());
  });

  it('loses the session to a radio drop: the client closes with link-reset and the broker forgets it', async () => {
    const w = await startWorld('4g');
    const client = await connectClient(w);
    let reason: unknown;
    client.onClose((why) => (reason = why));
    await w.time.runUntil({ atMs: 5_000 });
    w.terminal.link.dropNow();
    await w.time.runUntil({ until: () => reason !== undefined });
    expect(isFairwayError(reason, 'link-reset')).toBe(true);
    await w.time.runUntil({ until: () => w.broker.connectedCount() === 0 });
    expect(w.terminal.link.stats().drops).toBe(1);
  });

  it('plays the same exchange to the same virtual millisecond for the same seed', async () => {
    const exchange = async (): Promise<number[]> => {
      const w = await startWorld({ preset: 'weak-radio', dropIntervalMsMean: 0 });
      const client = await connectClient(w);
      const times = [w.time.monotonicMs()];
      await runUntilSettled(w.time, client.subscribe(downFilter(DEVICE), 1));
      times.push(w.time.monotonicMs());
      await runUntilSettled(w.time, client.publish(topicFor(DEVICE, 'login'), patternBytes(3_000, 1), 1));
      times.push(w.time.monotonicMs());
      await runUntilSettled(w.time, client.close());
      await w.broker.close();
      world = undefined;
      return times;
    };
    expect(await exchange()).toEqual(await exchange());
  });
});
