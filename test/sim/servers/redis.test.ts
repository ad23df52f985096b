/**
 * The Redis harness against a real redis-server: commands over ioredis, the same port across
 * stop/kill and start (and a client that reconnects to it), SIGSTOP/SIGCONT, no process left
 * behind when its owner exits, and the error a machine without redis-server gets.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { HarnessError } from '../../../sim/servers/harness-error.js';
import { startRedis, type RedisServer } from '../../../sim/servers/redis.js';
import { requireBinary } from '../../support/server-binaries.js';

const run = promisify(execFile);
const available = requireBinary('redis-server');

/** Whether anything accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('binary missing', () => {
  it('says how to install redis-server', async () => {
    const failure = await startRedis({ binary: '/nonexistent/redis-server' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HarnessError);
    expect(failure).toMatchObject({ code: 'binary-missing', message: expect.stringContaining('apt-get install redis-server') });
  });
});

describe.runIf(available)('with redis-server', () => {
  let redis: RedisServer | undefined;
  const clients: Redis[] = [];
  const client = (url: string, options: RedisOptions = {}): Redis => {
    const c = new Redis(url, options);
    c.on('error', () => undefined); // reconnect attempts while it is down are expected here
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await redis?.stop();
    redis = undefined;
  });

  it('answers commands on a loopback URL', async () => {
    redis = await startRedis();
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    const c = client(redis.url);
    await c.set('k', 'v');
    expect(await c.get('k')).toBe('v');
    // No persistence: nothing would survive a restart, and nothing is written to disk.
    expect(await c.config('GET', 'save')).toEqual(['save', '']);
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
  });

  it('stops, starts again on the same port, and a client reconnects to it', async () => {
    redis = await startRedis();
    const port = redis.port;
    const c = client(redis.url, { retryStrategy: () => 50 });
    await c.set('k', 'v');
    await redis.stop();
    expect(redis.running()).toBe(false);
    expect(await listening(port)).toBe(false);
    await redis.start();
    expect(redis.port).toBe(port);
    expect(await c.get('k')).toBeNull(); // the same client, reconnected; the data is gone
    await c.set('k', 'again');
    expect(await c.get('k')).toBe('again');
  });

  it('is killed with SIGKILL and started again', async () => {
    redis = await startRedis();
    await redis.kill();
    expect(await listening(redis.port)).toBe(false);
    await redis.start();
    expect(await client(redis.url).ping()).toBe('PONG');
  });

  it('pauses (connections open, nothing answered) and resumes', async () => {
    redis = await startRedis();
    const c = client(redis.url, { commandTimeout: 300 });
    expect(await c.ping()).toBe('PONG');
    redis.pause();
    await expect(c.ping()).rejects.toThrow(/timed out/i);
    redis.resume();
    expect(await c.ping()).toBe('PONG');
  });

  it('refuses to pause a stopped server', async () => {
    redis = await startRedis();
    await redis.stop();
    expect(() => redis?.pause()).toThrow(HarnessError);
  });

  it.each(['exit', 'sigterm'])('leaves no redis-server behind when its owner ends (%s)', async (how) => {
    const script = new URL('./support/leaves-redis.ts', import.meta.url).pathname;
    const child = await run(process.execPath, ['--import', 'tsx', script, how]).catch((e: { stdout: string }) => e);
    const port = Number(child.stdout.trim());
    expect(port).toBeGreaterThan(0);
    // SIGKILL was sent as the owner ended; give the kernel a moment to finish it off.
    const deadline = Date.now() + 2000;
    while ((await listening(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await listening(port)).toBe(false);
  });
});
