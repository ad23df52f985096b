/**
 * Two real brokers (createBroker, aedes over TCP) sharing one real Redis through their
 * SysEmitters, as two `fairway store serve` nodes would: a device taken over across nodes,
 * nothing but $SYS traffic on Redis (watched with MONITOR), up messages handled only where
 * the terminal is, the brokerId guard against a bus that does share them, and Redis faults.
 */
import { Aedes } from 'aedes';
import { Redis } from 'ioredis';
import mqtt, { type MqttClient } from 'mqtt';
import MQEmitterRedis from 'mqemitter-redis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SysEmitter } from '../../../broker/cluster/sys-emitter.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { settle, startBroker, waitUntil, type BrokerFixture } from '../server/support/broker-fixture.js';
import type { TestDevice } from '../server/support/devices.js';
import { closed, connectDevice, endAll, inbox } from '../server/support/mqtt-clients.js';
import { requireBinary } from '../../support/server-binaries.js';

const available = requireBinary('redis-server');
const quiet = pino({ level: 'silent' });

describe.runIf(available)('brokers sharing $SYS through Redis', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  let a: BrokerFixture;
  let b: BrokerFixture;
  let mqA: SysEmitter;
  let mqB: SysEmitter;
  let alice: TestDevice;
  const clients: MqttClient[] = [];
  const redisClients: Redis[] = [];

  /** A node: its own SysEmitter on the shared Redis, named so CLIENT LIST tells them apart. */
  const startNode = async (id: string): Promise<[BrokerFixture, SysEmitter]> => {
    const mq = await SysEmitter.connect({ redisUrl: redis.url, connectionName: `fairway-${id}`, logger: quiet });
    const fx = await startBroker({ mq, brokerId: id });
    await mq.subscriptionsSettled(); // aedes subscribes to $SYS without waiting
    return [fx, mq];
  };
  const redisClient = (): Redis => {
    const c = new Redis(redis.url);
    redisClients.push(c);
    return c;
  };
  /** Every channel PUBLISHed to on Redis from now on (MONITOR sees every command). */
  const watchPublishes = async (): Promise<string[]> => {
    const channels: string[] = [];
    const monitor = await redisClient().monitor();
    redisClients.push(monitor);
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args[0]?.toLowerCase() === 'publish') channels.push(args[1] ?? '');
    });
    return channels;
  };
  const connect = async (fx: BrokerFixture, device: TestDevice): Promise<MqttClient> => {
    const client = await connectDevice(fx.url, device);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    [a, mqA] = await startNode('node-a');
    [b, mqB] = await startNode('node-b');
    alice = a.enrol('alice');
    b.directory.keys.set('alice', alice.signer.publicKey); // one device directory in a real cluster
  });
  afterEach(async () => {
    await endAll(...clients.splice(0));
    for (const c of redisClients.splice(0)) c.disconnect();
    await a.close();
    await b.close();
  });

  it('(a) disconnects a device from node A when it connects to node B with the same id', async () => {
    const onA = await connect(a, alice);
    const goneFromA = closed(onA);
    const onB = await connect(b, alice);
    await goneFromA;
    await waitUntil(() => a.events.length === 2, 3000, 'the takeover on A');
    expect(a.events).toEqual(['connect alice', 'disconnect alice']);
    expect(a.broker.connectedCount()).toBe(0);
    await settle();
    expect(b.events).toEqual(['connect alice']);
    expect(onB.connected).toBe(true);
  });

  it('(b) keeps a publish to a device\'s down topic on its node: nothing but $SYS crosses Redis', async () => {
    const channels = await watchPublishes();
    const onB = await connect(b, alice);
    const received = inbox(onB);
    await onB.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });

    await a.broker.publish('alice', 'menu', new Uint8Array([1, 2, 3]), 1);
    await settle(300);
    expect(received).toEqual([]);

    await b.broker.publish('alice', 'menu', new Uint8Array([4, 5, 6]), 1); // its own node does reach it
    await waitUntil(() => received.length === 1, 3000, 'delivery on B');
    expect(received[0]?.topic).toBe('fairway/1/alice/down/menu');

    await settle(200); // MONITOR reports asynchronously
    expect(channels.filter((c) => !c.startsWith('$SYS/'))).toEqual([]);
    // MONITOR did see the traffic that is meant to cross: B announcing alice (for takeover);
    // her subscription's announcement, which no other broker listens to, stayed on B.
    expect(channels).toContain('$SYS/node-b/new/clients');
    expect(channels).not.toContain('$SYS/node-b/new/subscribes');
  });

  it('(c) hands an up message only to the store of the node the terminal is connected to', async () => {
    const channels = await watchPublishes();
    const onA = await connect(a, alice);
    await onA.publishAsync('fairway/1/alice/up/login', Buffer.from('hello'), { qos: 1 });
    await waitUntil(() => a.up.length === 1, 3000, 'the up message on A');
    expect(a.up[0]).toMatchObject({ deviceId: 'alice', type: 'login' });
    await settle(300);
    expect(b.up).toEqual([]);
    expect(b.logged('up message from another broker: dropped')).toEqual([]); // it never got there
    expect(channels.filter((c) => !c.startsWith('$SYS/'))).toEqual([]);
  });

  it('(d) drops an up message a foreign broker published on this bus', async () => {
    const payload = Buffer.from('forged');
    // Published into node A's emitter as if it came from another node's alice: every field a
    // real one has, the clientId check passes, only the brokerId tells.
    await new Promise<void>((resolve, reject) =>
      mqA.emit({ cmd: 'publish', topic: 'fairway/1/alice/up/login', payload, qos: 0, retain: false, dup: false, brokerId: 'node-z', brokerCounter: 1, clientId: 'alice' }, (e) => (e ? reject(e) : resolve())),
    );
    await waitUntil(() => a.logged('up message from another broker: dropped').length === 1, 3000, 'the drop');
    expect(a.logged('up message from another broker: dropped')[0]).toMatchObject({ brokerId: 'node-z', ownBrokerId: 'node-a' });
    expect(a.up).toEqual([]);
  });

  it('comes back after Redis restarts: takeover works again', async () => {
    await redis.stop();
    await redis.start();
    // Both nodes reconnect and re-subscribe by themselves (ioredis backs off up to 2 s).
    const admin = redisClient();
    const subscribed = async (): Promise<boolean> => {
      const list = await admin.client('LIST').catch(() => '');
      return ['node-a', 'node-b'].every((id) => new RegExp(`name=fairway-${id}-sub .*psub=3 `).test(String(list)));
    };
    const deadline = Date.now() + 8000;
    while (!(mqA.redisReady && mqB.redisReady && (await subscribed()))) {
      if (Date.now() > deadline) throw new Error('nodes did not reconnect to Redis');
      await settle(50);
    }
    const onA = await connect(a, alice);
    const goneFromA = closed(onA);
    await connect(b, alice);
    await goneFromA;
  });

  it('keeps serving its own terminals while Redis is down', async () => {
    await redis.kill();
    try {
      await waitUntil(() => !mqA.redisReady, 3000, 'A to notice');
      const onA = await connect(a, alice);
      const received = inbox(onA);
      await onA.subscribeAsync('fairway/1/alice/down/#', { qos: 1 });
      await onA.publishAsync('fairway/1/alice/up/login', Buffer.from('hello'), { qos: 1 });
      await waitUntil(() => a.up.length === 1, 3000, 'the up message on A');
      await a.broker.publish('alice', 'menu', new Uint8Array([1]), 1);
      await waitUntil(() => received.length === 1, 3000, 'the down message on A');
    } finally {
      await redis.start();
    }
  });
});

describe.runIf(available)('a bus that shares everything (plain mqemitter-redis): the brokerId guard', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('(d) a terminal\'s up message reaches the other node too, and that node drops it', async () => {
    // The misconfiguration the guard exists for: with mqemitter-redis itself as `mq`, every
    // node's store subscription hears every node's terminals, with their real clientId.
    const a = await startBroker({ mq: MQEmitterRedis({ connectionString: redis.url }), brokerId: 'node-a' });
    const b = await startBroker({ mq: MQEmitterRedis({ connectionString: redis.url }), brokerId: 'node-b' });
    const alice = b.enrol('alice');
    let onB: MqttClient | undefined;
    try {
      onB = await connectDevice(b.url, alice);
      await onB.publishAsync('fairway/1/alice/up/login', Buffer.from('hello'), { qos: 1 });
      await waitUntil(() => b.up.length === 1, 3000, 'the up message on B');
      await waitUntil(() => a.logged('up message from another broker: dropped').length === 1, 3000, 'the drop on A');
      expect(a.logged('up message from another broker: dropped')[0]).toMatchObject({ topic: 'fairway/1/alice/up/login', brokerId: 'node-b', ownBrokerId: 'node-a' });
      expect(a.up).toEqual([]);
      expect(b.logged('up message from another broker: dropped')).toEqual([]);
    } finally {
      await endAll(onB);
      await a.close();
      await b.close();
    }
  });
});

describe.runIf(available)('aedes heartbeats and wills across a Redis outage', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());

  it('does not publish the will of a client still connected while Redis is down', async () => {
    // aedes publishes the wills of clients whose broker has sent no heartbeat for three
    // intervals — its own broker included. A heartbeat every 50 ms makes that 150 ms.
    const mq = await SysEmitter.connect({ redisUrl: redis.url, logger: quiet });
    const aedes = await Aedes.createBroker({ mq, heartbeatInterval: 50 });
    const server = (await import('node:net')).createServer(aedes.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const wills: string[] = [];
    aedes.subscribe('will/#', (packet, done) => {
      wills.push(packet.topic);
      done();
    }, () => undefined);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'c1', reconnectPeriod: 0, will: { topic: 'will/c1', payload: Buffer.from('gone'), qos: 0, retain: false } });
    try {
      await redis.kill();
      await settle(1000); // > 4 intervals: aedes looks for dead brokers' wills every 200 ms
      expect(wills).toEqual([]);
      expect(client.connected).toBe(true);
    } finally {
      await redis.start();
      await client.endAsync();
      server.close();
      await new Promise<void>((r) => aedes.close(() => r()));
    }
  });
});
