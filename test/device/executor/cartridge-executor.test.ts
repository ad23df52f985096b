import { afterAll, describe, expect, it } from 'vitest';
import { ExecutorError, type ExecutorFailure, type PartImage, type PlayRequest } from '../../../device/executor/index.js';
import { CartridgeExecutor, OUTPUT_MAX_CHARS, LOG_MAX_LINES } from '../../../device/ports/node/cartridge/index.js';
import { expectKind, expectKindSync } from '../../support/expect-fairway.js';
import { seed } from '../../support/seed.js';
import { cartridge, engine, image, laidOut } from './images.js';

/** Short, so the runaway-program tests stay fast; still far above what the demo engines need. */
const TIMEOUT_MS = 100;
const executor = new CartridgeExecutor({ timeoutMs: TIMEOUT_MS });
const others: CartridgeExecutor[] = [];
/** Another executor, closed with the rest after the tests. */
function another(options: ConstructorParameters<typeof CartridgeExecutor>[0]): CartridgeExecutor {
  const made = new CartridgeExecutor(options);
  others.push(made);
  return made;
}
afterAll(() => Promise.all([executor, ...others].map((e) => e.close())));

function request(part: PartImage, extra: Partial<PlayRequest> = {}): PlayRequest {
  return { part, base: null, carried: {}, seed, ...extra };
}

async function failure(req: PlayRequest, reason: ExecutorFailure, using = executor): Promise<ExecutorError> {
  const e = await expectKind(() => using.play(req), 'invalid-argument');
  expect(e, e.message).toBeInstanceOf(ExecutorError);
  expect((e as ExecutorError).reason, e.message).toBe(reason);
  return e as ExecutorError;
}

/** An engine whose play(host) body is `body`. */
const playing = (body: string) => engine(`function play(host) { ${body} }`);

const COUNTER = `function play(host) {
  var n = (host.carried.count || 0) + host.content.step;
  host.log('count ' + n);
  return { results: { count: n, part: host.part.id, seq: host.part.seq, roll: Math.floor(host.random() * 1e6) }, continue: n < 3 };
}`;

describe('playing a cartridge', () => {
  it('runs an engine part on its own content and returns its results and whether to go on', async () => {
    const outcome = await executor.play(request(cartridge('count-1', { kind: 'engine', code: COUNTER, content: { step: 1 } }, { title: 'count', seq: 1 })));
    expect(outcome.results).toMatchObject({ count: 1, part: 'count-1', seq: 1 });
    expect(outcome.continue).toBe(true);
  });

  it('runs a content part on its base part’s engine, with the results carried from the part before', async () => {
    const base = cartridge('count-1', { kind: 'engine', code: COUNTER, content: { step: 1 } }, { title: 'count', seq: 1 });
    const second = cartridge('count-2', { kind: 'content', content: { step: 2 } }, { title: 'count', seq: 2 });
    const outcome = await executor.play(request(second, { base, carried: { count: 1 } }));
    expect(outcome.results).toMatchObject({ count: 3, part: 'count-2', seq: 2 });
    expect(outcome.continue).toBe(false);
  });

  it('hands the engine’s log lines to onLog, at most 100 of at most 256 characters', async () => {
    const lines: [string, string][] = [];
    const logging = another({ onLog: (line, part) => lines.push([line, part]) });
    await logging.play(request(playing(`for (var i = 0; i < 150; i++) host.log(i === 0 ? 'x'.repeat(1000) : 'line ' + i); return { results: {}, continue: false };`)));
    expect(lines).toHaveLength(LOG_MAX_LINES);
    expect(lines[0]![0]).toHaveLength(256);
    expect(lines[1]).toEqual(['line 1', 'engine-part']);
  });

  it('gives the same results for the same seed, and draws from the seed rather than the clock', async () => {
    const dice = playing('var rolls = []; for (var i = 0; i < 8; i++) rolls.push(Math.floor(host.random() * 6) + 1); return { results: { rolls: rolls.join(""), other: Math.floor(Math.random() * 1e9), date: typeof Date }, continue: false };');
    const runs = await Promise.all([seed, seed, seed + 1, seed + 2, 0].map((s) => executor.play(request(dice, { seed: s }))));
    expect(runs[1]).toEqual(runs[0]);
    expect(new Set(runs.map((r) => r.results.rolls)).size).toBe(4);
    expect(runs[0]!.results.date).toBe('undefined');
  });

  it('keeps working after a program crashed, ran away or ran out of memory', async () => {
    await failure(request(playing('while (true) {}')), 'timeout');
    await failure(request(playing('throw new Error("boom")')), 'crashed');
    // Running out of memory: with a CPU limit long enough that a loaded machine reaches the
    // heap cap first (with the 100 ms limit it may time out first, which proves nothing here).
    const roomy = new CartridgeExecutor({ timeoutMs: 10_000 });
    try {
      await failure(request(playing('var a = []; for (;;) a.push(new Array(100000).fill(1));')), 'crashed', roomy);
      await expect(roomy.play(request(playing('return { results: { ok: true }, continue: false };')))).resolves.toEqual({ results: { ok: true }, continue: false });
    } finally {
      await roomy.close();
    }
    await expect(executor.play(request(playing('return { results: { ok: true }, continue: false };')))).resolves.toEqual({ results: { ok: true }, continue: false });
  });

  it('starts each play in a fresh context, so nothing a program changes reaches the next', async () => {
    await executor.play(request(playing('globalThis.leftover = 1; Object.prototype.polluted = 1; Array.prototype.join = null; return { results: {}, continue: false };')));
    const after = await executor.play(request(playing('return { results: { leftover: typeof globalThis.leftover, polluted: typeof ({}).polluted, join: typeof [].join }, continue: false };')));
    expect(after.results).toEqual({ leftover: 'undefined', polluted: 'undefined', join: 'function' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('refuses, with a reason a UI can show,', () => {
    it('a part that is not a cartridge (bad-image)', async () => {
      await failure(request(image('junk', new Uint8Array(64).fill(7))), 'bad-image');
    });

    it('a program using the word import, which could reach the host through import() (bad-image)', async () => {
      for (const code of ['import("node:fs")', 'import /* x */ ("node:fs")', '"import"', '// this program does not import anything\nfunction play() {}']) {
        const e = await failure(request(engine(code)), 'bad-image');
        expect(e.path).toBe('code');
      }
    });

    it('a program that does not compile (crashed)', async () => {
      const e = await failure(request(engine('function play(host) {')), 'crashed');
      expect(e.message).toContain('SyntaxError');
    });

    it('a program with no play function (crashed)', async () => {
      expect((await failure(request(engine('var x = 1;')), 'crashed')).message).toContain('play(host)');
    });

    it('a program that throws, at its top level or in play (crashed), with the thrown message', async () => {
      expect((await failure(request(engine('throw new RangeError("no course")')), 'crashed')).message).toContain('RangeError: no course');
      expect((await failure(request(playing('host.hole.par.x.y = 1;')), 'crashed')).message).toContain('TypeError');
      await failure(request(playing('throw 42;')), 'crashed');
      await failure(request(engine('throw null;')), 'crashed');
      await failure(request(playing('return play(host);')), 'crashed'); // stack overflow
    });

    it('a thrown value whose getters or traps would run cartridge code on the host (crashed, promptly)', async () => {
      const started = performance.now();
      await failure(request(engine('throw { get message() { for (;;) {} }, get name() { for (;;) {} } };')), 'crashed');
      await failure(request(engine('throw new Proxy({}, { get: function () { for (;;) {} }, getOwnPropertyDescriptor: function () { for (;;) {} }, getPrototypeOf: function () { for (;;) {} } });')), 'crashed');
      await failure(request(engine('var e = new Error("x"); Object.setPrototypeOf(e, new Proxy({}, { get: function () { for (;;) {} }, getOwnPropertyDescriptor: function () { for (;;) {} } })); throw e;')), 'crashed');
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS * 5);
    });

    it('a program that exhausts its memory (crashed), without taking the terminal down', async () => {
      const e = await failure(request(playing('var a = []; for (;;) a.push(new Array(100000).fill(1));')), 'crashed', another({ timeoutMs: 5_000, memoryMb: 16 }));
      expect(e.message).toContain('out of memory');
    });

    it('a program that runs forever: at its top level, in play, in promise jobs, in a getter or toJSON of its results (timeout)', async () => {
      await failure(request(engine('for (;;) {}')), 'timeout');
      await failure(request(playing('while (true) {}')), 'timeout');
      await failure(request(playing('Promise.resolve().then(function spin() { Promise.resolve().then(spin); }); return { results: {}, continue: false };')), 'timeout');
      await failure(request(playing('return { results: { get hole() { for (;;) {} } }, continue: false };')), 'timeout');
      await failure(request(playing('return { results: { toJSON: function () { for (;;) {} } }, continue: false };')), 'timeout');
      await failure(request(playing('throw { message: "x", get name() { for (;;) {} } };')), 'timeout');
    });

    it('a program over its CPU limit however the time is split between top level and play (timeout)', async () => {
      const half = `var until = 0; for (var i = 0; i < 1e12; i++) { if (i % 1000 === 0 && ++until > 40000) break; }`;
      const slow = another({ timeoutMs: 1 });
      await failure(request(engine(`${half} function play(host) { ${half} return { results: {}, continue: false }; }`)), 'timeout', slow);
    });

    it.each([
      ['nothing', 'return;', undefined],
      ['a number', 'return 5;', 'outcome'],
      ['no continue', 'return { results: {} };', 'continue'],
      ['a text continue', 'return { results: {}, continue: "yes" };', 'continue'],
      ['results that are not a map', 'return { results: [1], continue: false };', 'results'],
      ['missing results', 'return { continue: false };', 'results'],
      ['a fraction', 'return { results: { strokes: 4.5 }, continue: false };', 'results.strokes'],
      ['a nested map', 'return { results: { card: { h1: 4 } }, continue: false };', 'results.card'],
      ['a bad name', 'return { results: { Strokes: 4 }, continue: false };', 'results.Strokes'],
      ['33 results', 'var r = {}; for (var i = 0; i < 33; i++) r["k" + i] = i; return { results: r, continue: false };', 'results'],
      ['text over 256 bytes', 'return { results: { name: "x".repeat(300) }, continue: false };', 'results.name'],
      ['NaN, which JSON turns into null', 'return { results: { strokes: NaN }, continue: false };', 'results.strokes'],
      ['a circular structure', 'var r = {}; r.self = r; return { results: r, continue: false };', undefined],
      ['an answer too large to carry', `return { results: { big: "x".repeat(${OUTPUT_MAX_CHARS}) }, continue: false };`, 'results'],
    ])('a program returning %s (bad-results)', async (_, body, path) => {
      const e = await failure(request(playing(body)), 'bad-results');
      if (path !== undefined) expect(e.path, e.message).toBe(path);
    });

    it('a program that tampers with the built-ins the sandbox answers through (crashed, never a raw error)', async () => {
      await failure(request(playing('Object.prototype.toJSON = function () { return 5; }; return { results: {}, continue: false };')), 'crashed');
      await failure(request(playing('Object.prototype.toJSON = function () { return undefined; }; return { results: {}, continue: false };')), 'crashed');
      await failure(request(playing('Object.prototype.toJSON = function () { return this.out ? { out: { ok: false, failure: "nonsense", error: 1 }, log: 7 } : this; }; return { results: {}, continue: false };')), 'crashed');
    });

    it('a content part with no base, a base of another title, or a base that is no engine (missing-base)', async () => {
      const second = cartridge('golf-h02', { kind: 'content', content: { step: 1 } }, { title: 'golf', seq: 2 });
      await failure(request(second), 'missing-base');
      const foreign = cartridge('chess-1', { kind: 'engine', code: COUNTER, content: { step: 1 } }, { title: 'chess' });
      expect((await failure(request(second, { base: foreign }), 'missing-base')).message).toContain('chess');
      const contentBase = cartridge('golf-h03', { kind: 'content', content: {} }, { title: 'golf', seq: 3 });
      await failure(request(second, { base: contentBase }), 'missing-base');
    });

    it('a content part whose base image is damaged (bad-image, naming the base)', async () => {
      const second = cartridge('golf-h02', { kind: 'content', content: { step: 1 } }, { title: 'golf', seq: 2 });
      const e = await failure(request(second, { base: image('golf-h01', laidOut().subarray(0, 20), { title: 'golf' }) }), 'bad-image');
      expect(e.part).toBe('golf-h01');
    });
  });

  it('shrugs off promises a program leaves rejected, even with a reason that would hang whoever looks at it', async () => {
    const trap = 'new Proxy({}, { get: function () { for (;;) {} }, getPrototypeOf: function () { for (;;) {} }, ownKeys: function () { for (;;) {} }, getOwnPropertyDescriptor: function () { for (;;) {} } })';
    const outcome = await executor.play(request(engine(`Promise.reject(new Error("top")); function play(host) { Promise.reject(${trap}); (async function () { throw ${trap}; })(); return { results: { ok: true }, continue: false }; }`)));
    expect(outcome.results).toEqual({ ok: true });
    // The process noticing an unhandled rejection would crash or hang here; give it the chance.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(executor.play(request(playing('return { results: { after: true }, continue: false };')))).resolves.toEqual({ results: { after: true }, continue: false });
  });

  it('refuses plays once closed', async () => {
    const closing = another({});
    await closing.play(request(playing('return { results: {}, continue: false };')));
    await closing.close();
    await expectKind(() => closing.play(request(playing('return { results: {}, continue: false };'))), 'closed');
  });

  describe('refuses a malformed request before playing', () => {
    it('a seed that is not a whole number', async () => {
      for (const bad of [1.5, Number.NaN, 2 ** 60]) expect((await expectKind(() => executor.play(request(playing('return { results: {}, continue: false };'), { seed: bad })), 'invalid-argument')).path).toBe('seed');
    });

    it('carried results the finish rule refuses, naming the entry', async () => {
      const part = playing('return { results: {}, continue: false };');
      expect((await expectKind(() => executor.play(request(part, { carried: { total: 1.5 } })), 'wrong-type')).path).toBe('carried.total');
      expect((await expectKind(() => executor.play(request(part, { carried: { Total: 1 } })), 'out-of-range')).path).toBe('carried.Total');
    });

    it('a CPU limit outside 1 – 10,000 ms', () => {
      for (const timeoutMs of [0, -1, 1.5, 10_001]) expectKindSync(() => new CartridgeExecutor({ timeoutMs }), 'out-of-range');
    });

    it('a sandbox heap outside 16 – 4,096 MB', () => {
      for (const memoryMb of [0, 15, 4097, 32.5]) expectKindSync(() => new CartridgeExecutor({ memoryMb }), 'out-of-range');
    });
  });
});
