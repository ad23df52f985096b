/**
 * RedisSharedState against a real redis-server (sim/servers/redis.ts): two instances are two
 * store nodes. A nonce is accepted once across nodes and forgotten after its window; guesses
 * racing on three nodes never exceed the limit; a right guess clears, a void one refunds;
 * with Redis down every method rejects at once (DependencyUnavailableError, answered
 * `unavailable`), and service resumes by itself when Redis is back.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSharedState } from '../../../broker/cluster/redis-state.js';
import { parseRedisUrl, RedisUrlError } from '../../../broker/cluster/redis-url.js';
import { LOGIN_GUESSES } from '../../../broker/cluster/shared-state.js';
import { DependencyUnavailableError, isOutage } from '../../../broker/service/outage.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';

let redis: RedisServer;
const open: RedisSharedState[] = [];
let prefixes = 0;

/** A pino logger whose lines land in `lines`, to count what an outage logs. */
function capturingLog(): { log: pino.Logger; lines: { msg: string }[] } {
  const lines: { msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg: string });
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** `count` nodes sharing one fresh key prefix. */
async function nodes(count: number, log = pino({ level: 'silent' })): Promise<RedisSharedState[]> {
  const keyPrefix = `test${process.pid}:${++prefixes}:`;
  const made = await Promise.all(Array.from({ length: count }, () => RedisSharedState.open({ url: redis.url, log, keyPrefix })));
  open.push(...made);
  return made;
}

/** Polls until `probe` resolves (Redis back, the client reconnected); the test timeout bounds it. */
async function eventually(probe: () => Promise<unknown>): Promise<void> {
  for (;;) {
    try {
      await probe();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  await redis?.stop();
});

describe('RedisSharedState', () => {
  it('accepts a nonce once across two nodes, and again after its window has passed', async () => {
    const [a, b] = (await nodes(2)) as [RedisSharedState, RedisSharedState];
    const nonce = randomBytes(16);
    const now = Date.now();
    expect(await a.claimNonce(nonce, now + 300, now)).toBe(true);
    expect(await b.claimNonce(nonce, now + 300, now)).toBe(false);
    expect(await a.claimNonce(nonce, now + 300, now)).toBe(false);
    // A credential at the very edge of its window still claims (TTL at least 1 ms).
    expect(await b.claimNonce(randomBytes(16), now, now + 5)).toBe(true);
    await eventually(async () => {
      if (!(await b.claimNonce(nonce, Date.now() + 60_000, Date.now()))) throw new Error('still remembered');
    });
    expect(await a.claimNonce(nonce, Date.now() + 60_000, Date.now())).toBe(false);
  });

  it('lets exactly maxFailures of 20 guesses racing on 3 nodes through, and tells the rest how long to wait', async () => {
    const trio = await nodes(3);
    const keys = ['login:device:hh-x', 'login:user:x'];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => trio[i % 3]!.loginLimiter.tryGuess(keys, Date.now())));
    expect(results.filter((r) => r.allowed)).toHaveLength(LOGIN_GUESSES.maxFailures);
    for (const r of results.filter((r) => !r.allowed)) {
      expect(r.allowed === false && r.retryAfterMs > 0 && r.retryAfterMs <= LOGIN_GUESSES.windowMs).toBe(true);
    }
    // One exhausted key refuses a guess that names it with a fresh one, and reserves nothing.
    expect((await trio[0]!.loginLimiter.tryGuess(['login:device:hh-x', 'login:user:fresh'], Date.now())).allowed).toBe(false);
    expect((await trio[1]!.loginLimiter.tryGuess(['login:user:fresh'], Date.now())).allowed).toBe(true);
  });

  it('clears the keys on a right guess, keeps a wrong one counted, gives a void one back', async () => {
    const [a, b] = (await nodes(2)) as [RedisSharedState, RedisSharedState];
    const keys = ['card:device:hh-y', 'card:user:y'];
    const guess = (node: RedisSharedState) => node.cardLimiter.tryGuess(keys, Date.now());
    for (let i = 0; i < 4; i++) expect((await guess(i % 2 ? a : b)).allowed).toBe(true);
    await a.cardLimiter.settle(keys, 'wrong', Date.now());
    // Void: the fifth guess is given back, so one more is allowed after it.
    expect((await guess(a)).allowed).toBe(true);
    await b.cardLimiter.settle(keys, 'void', Date.now());
    expect((await guess(b)).allowed).toBe(true);
    expect((await guess(a)).allowed).toBe(false);
    // Right: the count starts again from nothing on every node.
    await a.cardLimiter.settle(keys, 'right', Date.now());
    for (let i = 0; i < 5; i++) expect((await guess(i % 2 ? a : b)).allowed).toBe(true);
    expect((await guess(a)).allowed).toBe(false);
    // Void on a key with nothing counted leaves nothing behind (no negative counts).
    await a.cardLimiter.settle(['card:user:nobody'], 'void', Date.now());
    for (let i = 0; i < 5; i++) expect((await a.cardLimiter.tryGuess(['card:user:nobody'], Date.now())).allowed).toBe(true);
    expect((await a.cardLimiter.tryGuess(['card:user:nobody'], Date.now())).allowed).toBe(false);
  });

  it('keeps a shared reply once (the first answer wins) and reads it back byte for byte', async () => {
    const [a, b] = (await nodes(2)) as [RedisSharedState, RedisSharedState];
    const first = new Uint8Array([1, 0, 255, 7]);
    await a.replies.putIfAbsent('hh-z:9', first, 60_000);
    await b.replies.putIfAbsent('hh-z:9', new Uint8Array([2]), 60_000);
    expect(await b.replies.get('hh-z:9')).toEqual(first);
    expect(await a.replies.get('hh-z:10')).toBeUndefined();
  });

  it('counts the Redis commands it sends: one per nonce, guess, clear, reply look-up and put', async () => {
    const [a] = (await nodes(1)) as [RedisSharedState];
    const before = a.commandsIssued;
    await a.claimNonce(randomBytes(16), Date.now() + 1000, Date.now());
    await a.loginLimiter.tryGuess(['login:user:c'], Date.now());
    await a.loginLimiter.settle(['login:user:c'], 'wrong', Date.now()); // nothing to send
    await a.loginLimiter.settle(['login:user:c'], 'right', Date.now());
    await a.replies.get('hh-c:1');
    await a.replies.putIfAbsent('hh-c:1', new Uint8Array([1]), 1000);
    expect(a.commandsIssued - before).toBe(5);
  });

  it('refuses a URL that is not a Redis URL with a typed error, and never logs a password', () => {
    for (const bad of ['localhost:6379', 'http://h:1', 'redis://', 'redis://h:1/x', 'redis://h:1/0?tls=1']) {
      expect(() => new RedisSharedState({ url: bad, log: pino({ level: 'silent' }) }), bad).toThrow(RedisUrlError);
    }
    expect(parseRedisUrl('rediss://u:s3cret@cache.local:6380/2')).toMatchObject({ host: 'cache.local', port: 6380, db: 2, tls: true, username: 'u', password: 's3cret' });
    expect(parseRedisUrl('rediss://u:s3cret@cache.local:6380/2').display).not.toContain('s3cret');
    let error: unknown;
    try {
      parseRedisUrl('redis://u:s3cret@h:1/x');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RedisUrlError);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('with Redis down rejects every method at once as an outage, logs it once, and works again when Redis is back', async () => {
    const { log, lines } = capturingLog();
    const [a, b] = (await nodes(2, log)) as [RedisSharedState, RedisSharedState];
    await redis.kill();
    const calls: (() => Promise<unknown>)[] = [
      () => a.claimNonce(randomBytes(16), Date.now() + 1000, Date.now()),
      () => a.loginLimiter.tryGuess(['login:user:d'], Date.now()),
      () => a.loginLimiter.settle(['login:user:d'], 'right', Date.now()),
      () => a.cardLimiter.settle(['card:user:d'], 'void', Date.now()),
      () => a.replies.get('hh-d:1'),
      () => a.replies.putIfAbsent('hh-d:1', new Uint8Array([1]), 1000),
      () => a.ping(),
      () => b.ping(),
    ];
    for (const call of [...calls, ...calls]) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DependencyUnavailableError);
      expect(isOutage(error)).toBe(true);
    }
    // One warning per node for the whole outage, not one per failed command.
    expect(lines.filter((l) => l.msg.startsWith('Redis unreachable'))).toHaveLength(2);

    await redis.start();
    await eventually(() => Promise.all([a.ping(), b.ping()]));
    expect(lines.filter((l) => l.msg === 'Redis reachable again')).toHaveLength(2);
    const nonce = randomBytes(16);
    expect(await a.claimNonce(nonce, Date.now() + 1000, Date.now())).toBe(true);
    expect(await b.claimNonce(nonce, Date.now() + 1000, Date.now())).toBe(false);
    expect((await b.loginLimiter.tryGuess(['login:user:d'], Date.now())).allowed).toBe(true);
  });

  it('a Redis that holds the connection but answers nothing fails the command (timeout), not the caller’s patience', async () => {
    const [a] = (await nodes(1)) as [RedisSharedState];
    redis.pause();
    try {
      const error = await a.claimNonce(randomBytes(16), Date.now() + 1000, Date.now()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(DependencyUnavailableError);
    } finally {
      redis.resume();
    }
    await eventually(() => a.ping());
  });

  it('open() refuses to start against a Redis nobody listens on', async () => {
    const error = await RedisSharedState.open({ url: 'redis://127.0.0.1:1', log: pino({ level: 'silent' }), readyTimeoutMs: 300 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });
});
