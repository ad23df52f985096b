/**
 * `fairway sim run` as QA runs it: a bad scenario is refused with its line and field (exit 2),
 * a run that misses its expectations exits 1 and prints the command that reproduces it, and
 * --report writes the three report files.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;
const root = await mkdtemp(join(tmpdir(), 'fairway-sim-cli-'));
afterAll(() => rm(root, { recursive: true, force: true }));

const fairway = (...args: string[]) => run(process.execPath, [BIN, ...args], { maxBuffer: 10 * 1024 * 1024 }).then(
  (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
  (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
);

describe('fairway sim run', () => {
  it('refuses a scenario with a bad field, naming the file, line and field (exit 2)', async () => {
    const file = join(root, 'bad.yaml');
    await writeFile(file, 'name: bad\nfleet:\n  - count: 2\n    preset: 5g\n');
    const r = await fairway('sim', 'run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:4/);
    expect(r.stderr).toMatch(/preset/);
  });

  it('exits 1 when the expectations fail, prints how to reproduce, and writes the report', async () => {
    const file = join(root, 'tiny.yaml');
    await writeFile(file, 'name: tiny\nseed: 3\ndurationMs: 60000\nfleet:\n  - count: 2\n    preset: 4g\n    user: { startDelayMsMax: 5000 }\nexpect:\n  minTitlesFinished: 1000\n');
    const report = join(root, 'report');
    const r = await fairway('sim', 'run', file, '--report', report);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`npx fairway sim run ${file} --seed 3`);
    expect(r.stdout).toMatch(/invariants\s+5 of 5 held/);
    const result = JSON.parse(await readFile(join(report, 'result.json'), 'utf8')) as { seed: number; traceHash: string };
    expect(result.seed).toBe(3);
    expect(result.traceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await readFile(join(report, 'index.html'), 'utf8')).toContain('<svg');
    expect(await readFile(join(report, 'junit.xml'), 'utf8')).toContain('<failure');
  }, 120_000);
});

describe('fairway start (npm start)', () => {
  it('runs the main job on a small fleet and ends with a summary', async () => {
    const r = await fairway('start', '--terminals', '4', '--minutes', '2', '--data', join(root, 'main'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/time to first play/);
    // The fleet's five invariants and the three of the two host sessions (one per billing mode).
    expect(r.stdout).toMatch(/invariants\s+8 of 8 held/);
    expect(r.stdout).toMatch(/host sessions\s+2 · seats used \d+ of 8 · 2 refused seats-full/);
    expect(r.stdout).toMatch(/seat charges\s+per-reception \d+ seats \(\d+ minor units\) · upfront 4 seats \(320 minor units\)/);
    expect(r.stdout).toMatch(/deletion after session\s+held in 2 of 2 sessions/);
    const html = await readFile(join(root, 'main', 'report', 'index.html'), 'utf8');
    expect(html).toContain('main-job');
    expect(html).toContain('<h2>Host sessions</h2>');
    expect(await readFile(join(root, 'main', 'report', 'junit.xml'), 'utf8')).toMatch(/classname="sim\.main-job\.seed-20261202\.host-session" name="session 2: pocket-puzzle \(upfront, 4 seats\)" time="0"\/>/);
  }, 120_000);

  it('refuses a bad knob with a one-line usage error', async () => {
    const r = await fairway('start', '--terminals', 'many');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--terminals must be');
  });
});
