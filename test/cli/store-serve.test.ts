/**
 * `fairway store serve` as an operator runs it: a child process on a free port, reached by a
 * real MQTT client and a metrics scrape, stopped with SIGTERM.
 */
import { existsSync } from 'node:fs';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeSigner } from '../../device/ports/node/index.js';
import { toHex } from '../../sdk/vectors/json.js';
import { TestTerminal } from '../support/terminal-client.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'fairway-serve-'));
afterAll(() => rm(root, { recursive: true, force: true }));

describe('fairway store serve', () => {
  it('serves terminals over MQTT and metrics over HTTP until SIGTERM', async () => {
    const data = join(root, 'store');
    const key = NodeSigner.generate();
    await run(process.execPath, [BIN, 'store', 'users', 'add', 'ann', '--data', data], { env: { ...process.env, FAIRWAY_PASSWORD: 'ann-pw' } });
    await run(process.execPath, [BIN, 'store', 'terminals', 'enrol', 'ann-hh', '--user', 'ann', '--public-key', toHex(key.publicKey), '--data', data]);

    const child = spawn(process.execPath, [BIN, 'store', 'serve', '--data', data, '--port', '0', '--metrics-port', '0', '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const serving = await new Promise<{ mqtt: number; metrics: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('serve did not report its ports')), 30_000);
        createInterface({ input: child.stdout! }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; mqtt?: number; metrics?: number };
          if (entry.msg === 'fairway store serving') {
            clearTimeout(timer);
            resolve({ mqtt: entry.mqtt!, metrics: entry.metrics! });
          }
        });
      });
      const terminal = await TestTerminal.connect(serving.mqtt, 'ann-hh', key);
      expect(await terminal.request({ t: 'login', user: 'ann', password: 'ann-pw' })).toMatchObject({ t: 'login.ok', balance: 0 });
      expect(await terminal.request({ t: 'menu.get' })).toMatchObject({ t: 'menu', titles: [], more: false });
      const metrics = await (await fetch(`http://127.0.0.1:${serving.metrics}/metrics`)).text();
      expect(metrics).toMatch(/fairway_connected_terminals 1\b/);
      await terminal.close();
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
  });

  it('refuses a TLS certificate without its key', async () => {
    const result = await run(process.execPath, [BIN, 'store', 'serve', '--data', join(root, 'x'), '--tls-cert', '/nonexistent.pem']).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(2);
    expect((result as { stderr: string }).stderr).toContain('--tls-cert and --tls-key go together');
  });

  it('refuses a content cache size that is not a whole number of MiB, before starting anything', async () => {
    const dataDir = join(root, 'cache-size');
    const result = await run(process.execPath, [BIN, 'store', 'serve', '--data', dataDir, '--content-cache-mib', '1.5']).catch((e: { code: number; stderr: string }) => e);
    expect((result as { code: number }).code).toBe(2);
    expect((result as { stderr: string }).stderr).toContain('--content-cache-mib must be a whole number of MiB');
  });

  it('refuses connection caps that are not whole numbers from 1, before starting anything', async () => {
    const dataDir = join(root, 'caps');
    const results = await Promise.all(
      [['--max-connections', '0'], ['--max-connections-per-source', 'lots']].map((flags) => run(process.execPath, [BIN, 'store', 'serve', '--data', dataDir, ...flags]).catch((e: { code: number; stderr: string }) => e)),
    );
    expect(results.map((r) => (r as { code: number }).code)).toEqual([2, 2]);
    expect((results[0] as { stderr: string }).stderr).toContain('--max-connections must be a whole number from 1');
    expect((results[1] as { stderr: string }).stderr).toContain('--max-connections-per-source must be a whole number from 1');
    expect(existsSync(dataDir)).toBe(false);
  });
});
