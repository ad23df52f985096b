/**
 * Authentication and isolation checked with the real mosquitto_pub / mosquitto_sub binaries
 * (MQTT 3.1.1 from a C stack, password as base64url text). With CI set, missing binaries
 * fail the run (.ci/setup-mosquitto.sh installs them); elsewhere the tests skip loudly.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle, startBroker, waitUntil, type BrokerFixture } from './support/broker-fixture.js';
import type { TestDevice } from './support/devices.js';
import { deviceArgs, hasMosquittoClients, run, startSubscriber } from './support/mosquitto.js';

const available = hasMosquittoClients();
if (!available && !process.env['CI']) {
  console.warn('\n!!! mosquitto_pub / mosquitto_sub not found: the mosquitto isolation tests are SKIPPED. Run .ci/setup-mosquitto.sh !!!\n');
}

if (!available && process.env['CI']) {
  it('has the mosquitto clients installed on CI', () => {
    expect.fail('mosquitto_pub / mosquitto_sub are missing on CI: run .ci/setup-mosquitto.sh before the tests');
  });
}

describe.runIf(available)('with mosquitto_pub / mosquitto_sub', () => {
  let fx: BrokerFixture;
  let alice: TestDevice;
  let bob: TestDevice;
  beforeEach(async () => {
    fx = await startBroker();
    alice = fx.enrol('alice');
    bob = fx.enrol('bob');
  });
  afterEach(() => fx.close());

  const as = async (device: TestDevice): Promise<string[]> => deviceArgs(fx.broker.ports.tcp, device.id, await device.textCredential());
  const granted = (who: string) => () => fx.logged('subscribe granted').some((r) => r['who'] === `device ${who}`);

  it('publishes to the own up topic with a base64url text credential', async () => {
    const result = await run('mosquitto_pub', [...(await as(alice)), '-q', '1', '-t', 'fairway/1/alice/up/login', '-m', 'from mosquitto']);
    expect(result).toMatchObject({ code: 0 });
    await waitUntil(() => fx.up.length === 1, 3000, 'the up message');
    expect(fx.up[0]).toMatchObject({ deviceId: 'alice', type: 'login', info: { qos: 1 } });
    expect(Buffer.from(fx.up[0]!.payload).toString()).toBe('from mosquitto');
    // mosquitto_pub publishes and disconnects right behind the CONNACK: the store must still
    // hear a connect and a disconnect, in that order.
    await waitUntil(() => fx.events.length === 2, 3000, 'connect and disconnect');
    expect(fx.events).toEqual(['connect alice', 'disconnect alice']);
    expect(fx.broker.connectedCount()).toBe(0);
  });

  it.each(['fairway/1/bob/up/login', 'fairway/1/alice/down/login.ok', 'fairway/1/bob/down/login.ok', '$SYS/broker/x'])(
    'is disconnected for publishing to %s, and nothing is delivered',
    async (topic) => {
      const bobSub = await startSubscriber([...(await as(bob)), '-q', '1', '-t', 'fairway/1/bob/down/#', '-v'], granted('bob'));
      const result = await run('mosquitto_pub', [...(await as(alice)), '-q', '1', '-t', topic, '-m', 'forged']);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/connection was lost/i);
      await settle();
      expect((await bobSub.stop()).stdout).toBe('');
      expect(fx.up).toEqual([]);
      expect(fx.logged('publish refused').at(-1)).toMatchObject({ who: 'device alice', topic });
    },
  );

  it.each(['fairway/1/bob/down/#', '#', 'fairway/1/+/down/#', '$SYS/#'])('has the subscription to %s denied', async (filter) => {
    // mosquitto_sub gives up by itself when every subscription is denied.
    const result = await run('mosquitto_sub', [...(await as(alice)), '-q', '1', '-t', filter]);
    expect(result.stderr).toMatch(/All subscription requests were denied/);
    expect(fx.logged('subscribe refused').at(-1)).toMatchObject({ filter });
  });

  it("receives its own down messages and never another device's", async () => {
    const aliceSub = await startSubscriber([...(await as(alice)), '-q', '1', '-t', 'fairway/1/alice/down/#', '-C', '1', '-v'], granted('alice'));
    await fx.broker.publish('bob', 'login.ok', Buffer.from('for bob'), 1);
    await fx.broker.publish('alice', 'login.ok', Buffer.from('for alice'), 1);
    const output = await aliceSub.output;
    expect(output.code).toBe(0);
    expect(output.stdout).toContain('fairway/1/alice/down/login.ok for alice');
    expect(output.stdout).not.toContain('for bob');
  });

  it('is refused with the right CONNACK for a bad, replayed or misnamed credential', async () => {
    const text = await alice.textCredential();
    const pub = (args: string[]) => run('mosquitto_pub', [...args, '-t', 'fairway/1/alice/up/login', '-m', 'x']);
    expect((await pub(deviceArgs(fx.broker.ports.tcp, 'alice', text))).code).toBe(0);
    const replayed = await pub(deviceArgs(fx.broker.ports.tcp, 'alice', text));
    expect(replayed.stderr).toMatch(/bad user name or password/);
    const foreign = await pub(deviceArgs(fx.broker.ports.tcp, 'alice', await bob.textCredential()));
    expect(foreign.stderr).toMatch(/bad user name or password/);
    const badId = await pub(deviceArgs(fx.broker.ports.tcp, 'al+ice', await alice.textCredential()));
    expect(badId.stderr).toMatch(/identifier rejected/);
    await settle();
    expect(fx.logged('connect refused').map((r) => r.code)).toEqual([4, 4, 2]);
  });
});
