/**
 * The fleet bench's raw aedes pub/sub yardstick, small: a real bare-aedes host process, real
 * subscribers, and publisher clients both in their own process (as the bench runs them) and
 * here (to watch the pump's in-flight bound from inside). Throughput is not judged; that the
 * bytes flow to every topic, stop when told, and stay within the bound is.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PublisherPump } from '../../cli/bench/fleet/publisher-pump.js';
import { BrokerHost } from '../../cli/bench/fleet/host-process.js';
import { pubSubSide, type RawYardstick } from '../../cli/bench/fleet/loopback-ratio.js';
import { PublisherHost } from '../../cli/bench/fleet/publisher-process.js';
import { RawSubscriber } from '../../cli/bench/fleet/raw-subscriber.js';
import { SystemClock, TcpLink } from '../../device/ports/node/index.js';
import { MqttClient } from '../../sdk/mqtt/index.js';
import { expectKind, expectKindSync } from '../support/expect-fairway.js';

const PAYLOAD_BYTES = 4 * 1024;
const clock = new SystemClock();
let host: BrokerHost;

beforeAll(async () => {
  host = await BrokerHost.start('raw');
}, 60_000);

afterAll(async () => {
  await host?.close();
});

async function until(condition: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const deadline = performance.now() + limitMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`still waiting after ${limitMs} ms: ${what}`);
    await sleep(20);
  }
}

/** Resolves once no byte has arrived for 200 ms: whatever was in flight has landed. */
async function quiet(bytes: () => number): Promise<void> {
  const deadline = performance.now() + 10_000;
  let last = bytes();
  for (;;) {
    await sleep(200);
    const now = bytes();
    if (now === last) return;
    if (performance.now() > deadline) throw new Error('the subscribers never went quiet');
    last = now;
  }
}

function publisherClient(i: number): Promise<MqttClient> {
  const clientId = `test-publisher-${i}`;
  return MqttClient.connect(new TcpLink('127.0.0.1', host.port), clock, { clientId, username: clientId, password: new TextEncoder().encode('raw') });
}

describe('the raw aedes pub/sub yardstick', () => {
  it('has publisher clients in a process of their own deliver to every subscriber until told to stop', async () => {
    const topics = ['bench/raw/a', 'bench/raw/b', 'bench/raw/c'];
    const subscribers = await Promise.all(topics.map((topic, i) => RawSubscriber.connect(host.port, clock, `test-sub-${i}`, topic)));
    const publishers = await PublisherHost.start(host.port, 2);
    try {
      expect((await publishers.usage()).connected).toBe(2);
      expect((await host.usage()).connected).toBe(topics.length + 2);
      const raw: RawYardstick = { host, subscribers, topics, payloadBytes: PAYLOAD_BYTES, inFlight: 8 };
      const side = pubSubSide(raw, publishers);
      const cpuBefore = (await publishers.usage()).cpuMs;

      await side.start();
      await until(() => subscribers.every((s) => s.receivedBytes >= 4 * PAYLOAD_BYTES), 'every topic to receive payloads');
      await side.stop();
      await quiet(side.receivedBytes);
      const total = side.receivedBytes();
      await sleep(300);

      expect(side.receivedBytes()).toBe(total);
      expect(total).toBe(subscribers.reduce((a, s) => a + s.receivedBytes, 0));
      for (const s of subscribers) expect(s.receivedBytes % PAYLOAD_BYTES).toBe(0);
      expect((await publishers.usage()).cpuMs).toBeGreaterThan(cpuBefore);
    } finally {
      await publishers.close();
      await Promise.all(subscribers.map((s) => s.close()));
    }
    await until(async () => (await host.usage()).connected === 0, 'the raw host to see every client go');
  }, 30_000);

  it('has the publisher process refuse a pump with no topics, and keep serving', async () => {
    const publishers = await PublisherHost.start(host.port, 1);
    try {
      const error = await expectKind(() => publishers.pumpStart({ topics: [], payloadBytes: PAYLOAD_BYTES, inFlight: 1 }), 'io');
      expect(error.message).toMatch(/at least one topic/);
      expect((await publishers.usage()).connected).toBe(1);
    } finally {
      await publishers.close();
    }
  }, 30_000);

  it('refuses a broker port or a client count out of range before forking anything', async () => {
    for (const port of [0, 65_536, 1.5]) await expectKind(() => PublisherHost.start(port, 1), 'invalid-argument');
    for (const clients of [0, 2.5, 257]) await expectKind(() => PublisherHost.start(host.port, clients), 'invalid-argument');
  });
});

describe('the publisher pump', () => {
  it('keeps exactly its in-flight allowance unresolved, shared over the clients, never more', async () => {
    const clients = await Promise.all([0, 1, 2].map(publisherClient));
    try {
      const pump = new PublisherPump(clients);
      // 5 over 3 clients: 2, 2 and 1 — the allowance is shared out exactly, not rounded up per client.
      pump.start({ topics: ['bench/raw/x', 'bench/raw/y'], payloadBytes: PAYLOAD_BYTES, inFlight: 5 });
      await until(() => pump.published >= 200, '200 publishes');
      pump.stop();
      await until(() => pump.inFlight === 0, 'the publishes in flight to settle');
      expect(pump.peakInFlight).toBe(5);
      const published = pump.published;
      await sleep(100);
      expect(pump.published).toBe(published);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  }, 30_000);

  it('refuses no clients, no topics, an empty payload and no in-flight allowance', async () => {
    const client = await publisherClient(9);
    try {
      expect(expectKindSync(() => new PublisherPump([]), 'invalid-argument').path).toBe('clients');
      const pump = new PublisherPump([client]);
      const spec = { topics: ['bench/raw/x'], payloadBytes: PAYLOAD_BYTES, inFlight: 1 };
      expect(expectKindSync(() => pump.start({ ...spec, topics: [] }), 'invalid-argument').path).toBe('topics');
      for (const payloadBytes of [0, 1.5]) expect(expectKindSync(() => pump.start({ ...spec, payloadBytes }), 'invalid-argument').path).toBe('payloadBytes');
      for (const inFlight of [0, -1, 2.5]) expect(expectKindSync(() => pump.start({ ...spec, inFlight }), 'invalid-argument').path).toBe('inFlight');
      expect(pump.published).toBe(0);
      expect(pump.peakInFlight).toBe(0);
    } finally {
      await client.close();
    }
  });

  it('reports a publish that failed when stopped, and refuses to start again', async () => {
    const client = await publisherClient(10);
    await client.close();
    const pump = new PublisherPump([client]);
    pump.start({ topics: ['bench/raw/x'], payloadBytes: PAYLOAD_BYTES, inFlight: 2 });
    await until(() => pump.inFlight === 0, 'the failed publishes to settle');
    expect(pump.published).toBe(0);
    expectKindSync(() => pump.stop(), 'closed');
    expectKindSync(() => pump.start({ topics: ['bench/raw/x'], payloadBytes: PAYLOAD_BYTES, inFlight: 2 }), 'closed');
  });
});
