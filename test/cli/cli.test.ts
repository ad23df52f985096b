/** The `fairway` command as a user runs it: a real child process through bin/fairway.js. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;

async function fairway(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const temp = await mkdtemp(join(tmpdir(), 'fairway-cli-'));
afterAll(() => rm(temp, { recursive: true, force: true }));

describe('fairway command', () => {
  it('lists its subcommands in --help', async () => {
    const { code, stdout } = await fairway('--help');
    expect(code).toBe(0);
    for (const sub of ['demo', 'bench', 'vectors']) expect(stdout).toContain(sub);
  });

  it('refuses an unknown subcommand with a clear message and a non-zero exit', async () => {
    const { code, stderr } = await fairway('launch');
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/unknown command 'launch'/);
  });

  it('refuses an unknown benchmark, naming the ones that exist', async () => {
    const { code, stderr } = await fairway('bench', 'warp');
    expect(code).toBe(2);
    expect(stderr).toContain('unknown benchmark "warp"; choose one of: codec');
  });

  it('refuses a bad --seconds value', async () => {
    const { code, stderr } = await fairway('bench', 'codec', '--seconds', '-1');
    expect(code).toBe(2);
    expect(stderr).toContain('--seconds must be a number');
  });

  it('prints one {"bench","metric","value","unit"} line per codec figure with --json', async () => {
    const { code, stdout } = await fairway('bench', 'codec', '--json', '--seconds', '0.05');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    const metrics = lines.map((l) => l.metric);
    expect(metrics).toEqual(['encode_mbps_4k', 'decode_mbps_4k', 'encode_mbps_16k', 'decode_mbps_16k', 'encode_mbps_64k', 'decode_mbps_64k', 'sign_per_s', 'verify_per_s']);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['bench', 'metric', 'value', 'unit']);
      expect(l.bench).toBe('codec');
      expect(l.value).toBeGreaterThan(0);
    }
  });

  it('runs the demo end to end and reports what it did', async () => {
    const { code, stdout } = await fairway('demo', '--json', '--data', join(temp, 'flash'));
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim());
    expect(summary).toMatchObject({ parts: 3, bytes: 480_000, corruptChunksDropped: 1, receiptsCharged: 3, forgedReceiptsRefused: 1, replayedCredentialsRefused: 1, balanceMinor: 2000 - 500 - 450 - 400 });
    expect(await readdir(join(temp, 'flash'))).toHaveLength(3);
  });

  it('reports stale or stray vector files and exits non-zero', async () => {
    const dir = join(temp, 'vectors');
    expect((await fairway('vectors', 'write', '--dir', dir)).code).toBe(0);
    expect((await fairway('vectors', 'check', '--dir', dir)).code).toBe(0);
    await writeFile(join(dir, 'login.json'), '{}\n');
    await writeFile(join(dir, 'stray.json'), '{}\n');
    const { code, stderr } = await fairway('vectors', 'check', '--dir', dir);
    expect(code).toBe(1);
    expect(stderr).toContain('login.json: differs from what the code produces');
    expect(stderr).toContain('stray.json: not produced by the code any more');
  });
});
