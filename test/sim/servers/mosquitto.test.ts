/**
 * The Mosquitto harness (the fleet bench's yardstick, issue 12 §8) against Debian's real
 * broker: it routes MQTT 3.1.1 pub/sub on its own loopback port and stop() ends it (its CPU
 * reading is checked through the bench: test/cli/bench-fleet.test.ts); and a machine without it gets an error that says how to install it.
 */
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { HarnessError } from '../../../sim/servers/harness-error.js';
import { startMosquitto } from '../../../sim/servers/mosquitto.js';
import { requireBinary } from '../../support/server-binaries.js';

const available = requireBinary('mosquitto');

describe('binary missing', () => {
  it('says how to install the Mosquitto broker', async () => {
    const failure = await startMosquitto({ binary: '/nonexistent/mosquitto' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarnessError);
    expect(failure).toMatchObject({ code: 'binary-missing', message: expect.stringContaining('apt-get install mosquitto') });
  });
});

describe.runIf(available)('with mosquitto', () => {
  it('routes a 16 KiB publish to a subscriber on its own port, and stops', async () => {
    const server = await startMosquitto();
    const url = `mqtt://127.0.0.1:${server.port}`;
    const subscriber = await mqtt.connectAsync(url, { clientId: 'sub', protocolVersion: 4, reconnectPeriod: 0 });
    const publisher = await mqtt.connectAsync(url, { clientId: 'pub', protocolVersion: 4, reconnectPeriod: 0 });
    try {
      await subscriber.subscribeAsync('bench/raw/0', { qos: 0 });
      const received = new Promise<Buffer>((resolve) => subscriber.once('message', (_topic, payload) => resolve(payload)));
      const payload = Buffer.alloc(16 * 1024, 7);
      for (let i = 0; i < 200; i++) await publisher.publishAsync('bench/raw/0', payload, { qos: 0 });
      expect((await received).equals(payload)).toBe(true);
    } finally {
      await Promise.all([subscriber.endAsync(true), publisher.endAsync(true)]);
      await server.stop();
    }
    const after = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 1_000 }).then(
      (c) => c.endAsync(true).then(() => 'connected'),
      () => 'refused',
    );
    expect(after).toBe('refused');
  });
});
