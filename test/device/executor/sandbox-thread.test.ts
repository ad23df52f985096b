import { afterAll, describe, expect, it } from 'vitest';
import { SandboxThread, type SandboxJob } from '../../../device/ports/node/cartridge/sandbox-thread.js';

const threads: SandboxThread[] = [];
afterAll(() => Promise.all(threads.map((t) => t.close())));
function thread(graceMs: number): SandboxThread {
  const made = new SandboxThread({ memoryMb: 64, graceMs });
  threads.push(made);
  return made;
}

const job = (code: string, timeoutMs: number): SandboxJob => ({ prelude: 'globalThis.answer = function () { return "done"; };', code, filename: 'job.js', timeoutMs, entry: 'answer' });

describe('the sandbox thread', () => {
  it('answers with the entry point’s text', async () => {
    await expect(thread(2_000).run(job('1', 100))).resolves.toMatchObject({ outcome: 'answer', answer: 'done' });
  });

  it('ends a job its CPU limit does not cover (compiling a huge program) by watchdog, and starts afresh for the next', async () => {
    const strict = thread(0);
    const huge = 'var x = [1, 2, 3].map(function (n) { return n * 2; });\n'.repeat(100_000);
    const result = await strict.run(job(huge, 1));
    expect(result).toMatchObject({ outcome: 'timeout' });
    expect(result.outcome !== 'answer' && result.message).toContain('did not end within');
    await expect(strict.run(job('1', 1_000))).resolves.toMatchObject({ outcome: 'answer' });
  });

  it('runs jobs one after another, each answered in turn', async () => {
    const serial = thread(2_000);
    const results = await Promise.all([1, 2, 3].map((n) => serial.run({ ...job('1', 200), prelude: `globalThis.answer = function () { return "${n}"; };` })));
    expect(results.map((r) => r.outcome === 'answer' && r.answer)).toEqual(['1', '2', '3']);
  });
});
