import { afterAll, describe, expect, it } from 'vitest';
import { CartridgeExecutor } from '../../../device/ports/node/cartridge/index.js';
import { seed } from '../../support/seed.js';
import { engine } from './images.js';

const executor = new CartridgeExecutor({ timeoutMs: 1_000 });
afterAll(() => executor.close());

/**
 * Plays an engine that tries each `attempts` expression and reports, per attempt, what it
 * reached: 'blocked' when it threw, else the typeof of what it got.
 */
async function probe(attempts: Record<string, string>): Promise<Record<string, unknown>> {
  const tries = Object.entries(attempts)
    .map(([name, expression]) => `try { r.${name} = typeof (${expression}); } catch (e) { r.${name} = 'blocked'; }`)
    .join('\n');
  const outcome = await executor.play({ part: engine(`function play(host) { var r = {}; ${tries} return { results: r, continue: false }; }`, { par: 4 }), base: null, carried: { total: 4 }, seed });
  return outcome.results;
}

describe('the cartridge sandbox', () => {
  it('offers no Node globals: process, require, module, timers, Buffer, console, fetch', async () => {
    const reached = await probe({
      process: 'process',
      require: 'require',
      module: 'module',
      global: 'global',
      setTimeout: 'setTimeout',
      setInterval: 'setInterval',
      setImmediate: 'setImmediate',
      queueMicrotask: 'queueMicrotask',
      buffer: 'Buffer',
      console: 'console',
      fetch: 'fetch',
      performance: 'performance',
    });
    for (const [name, type] of Object.entries(reached)) expect(type, name).toBe('undefined');
  });

  it('compiles no code from strings, so Function("return process")() and eval are refused', async () => {
    expect(
      await probe({
        functionCall: 'Function("return process")()',
        newFunction: 'new Function("return 1")',
        evaluate: 'eval("1 + 1")',
        indirectEval: '(0, eval)("1")',
        generator: 'Object.getPrototypeOf(function* () {}).constructor("yield 1")',
        asyncFunction: 'Object.getPrototypeOf(async function () {}).constructor("return 1")',
        wasm: 'WebAssembly.Module',
      }),
    ).toEqual({ functionCall: 'blocked', newFunction: 'blocked', evaluate: 'blocked', indirectEval: 'blocked', generator: 'blocked', asyncFunction: 'blocked', wasm: 'blocked' });
  });

  it('leads nowhere from the global object or the host API: every constructor is the sandbox’s own', async () => {
    const reached = await probe({
      globalThis: 'this.constructor.constructor("return process")()',
      hostApi: 'host.constructor.constructor("return process")()',
      random: 'host.random.constructor("return process")()',
      log: 'host.log.constructor("return process")()',
      hole: 'host.hole.constructor.constructor("return process")()',
      carried: 'host.carried.constructor.constructor("return process")()',
      prototype: 'Object.getPrototypeOf(host.random).constructor("return process")()',
      globalPrototype: 'Object.getPrototypeOf(globalThis)',
    });
    expect(reached).toEqual({ globalThis: 'blocked', hostApi: 'blocked', random: 'blocked', log: 'blocked', hole: 'blocked', carried: 'blocked', prototype: 'blocked', globalPrototype: 'object' });
    // And those functions are of the sandbox's realm: same Function as the program's own.
    const realm = await probe({ sameRealm: '(host.random instanceof Function && host.log instanceof Function && host.hole instanceof Object) || undefined' });
    expect(realm.sameRealm).toBe('boolean');
  });

  it('gives stack-trace call sites no function or receiver from outside the sandbox', async () => {
    const outcome = await executor.play({
      part: engine(`function play(host) {
        Error.prepareStackTrace = function (error, frames) { return frames; };
        var frames = new Error('where').stack;
        var outside = 0;
        for (var i = 0; i < frames.length; i++) {
          var f = frames[i].getFunction && frames[i].getFunction();
          var self = frames[i].getThis && frames[i].getThis();
          if (typeof f === 'function' && !(f instanceof Function)) outside++;
          if (self && typeof self === 'object' && !(self instanceof Object) && self !== globalThis) outside++;
        }
        return { results: { frames: frames.length, outside: outside }, continue: false };
      }`),
      base: null,
      carried: {},
      seed,
    });
    expect(outcome.results.frames).toBeGreaterThan(0);
    expect(outcome.results.outside).toBe(0);
  });

  it('removes what could leak time, block, or run later: Date, Intl, Atomics, SharedArrayBuffer, WeakRef, FinalizationRegistry', async () => {
    const reached = await probe({ date: 'Date', intl: 'Intl', atomics: 'Atomics', shared: 'SharedArrayBuffer', weakRef: 'WeakRef', finalizer: 'FinalizationRegistry' });
    for (const [name, type] of Object.entries(reached)) expect(type, name).toBe('undefined');
  });

  it('hands the program a frozen host API and frozen content, so a part cannot rewrite its own hole', async () => {
    const outcome = await executor.play({
      part: engine(`function play(host) {
        var original = host.random;
        var refused = 0;
        function attempt(write) { try { write(); } catch (e) { refused++; } }
        attempt(function () { host.hole.par = 3; });
        attempt(function () { host.hole.hazards[0].kind = 'none'; });
        attempt(function () { host.carried.total = 0; });
        attempt(function () { host.random = function () { return 0; }; });
        attempt(function () { 'use strict'; host.hole.par = 3; });
        return { results: {
          refused: refused,
          frozen: Object.isFrozen(host) && Object.isFrozen(host.hole) && Object.isFrozen(host.hole.hazards[0]) && Object.isFrozen(host.carried) && Object.isFrozen(host.part),
          par: host.hole.par, hazard: host.hole.hazards[0].kind, total: host.carried.total, sameRandom: host.random === original
        }, continue: false };
      }`, { par: 4, hazards: [{ kind: 'water' }] }),
      base: null,
      carried: { total: 4 },
      seed,
    });
    // Sloppy-mode writes fail silently, strict-mode ones throw: either way nothing changes.
    expect(outcome.results).toEqual({ refused: 1, frozen: true, par: 4, hazard: 'water', total: 4, sameRandom: true });
  });

  it('refuses import() before running, since its error comes from the host realm', async () => {
    await expect(executor.play({ part: engine('function play(host) { import("node:fs"); return { results: {}, continue: false }; }'), base: null, carried: {}, seed })).rejects.toMatchObject({ reason: 'bad-image' });
  });

  it('cannot replace the entry point the executor calls', async () => {
    const ran = { results: { ran: true }, continue: false };
    const play = 'function play(host) { return { results: { ran: true }, continue: false }; }';
    await expect(executor.play({ part: engine(`var __fairwayRun = function () { return "{}"; }; ${play}`), base: null, carried: {}, seed })).resolves.toEqual(ran);
    await expect(executor.play({ part: engine(`globalThis.__fairwayRun = function () { return "{}"; }; ${play}`), base: null, carried: {}, seed })).resolves.toEqual(ran);
    await expect(executor.play({ part: engine(`Object.defineProperty(globalThis, "__fairwayRun", { value: 1 }); ${play}`), base: null, carried: {}, seed })).rejects.toMatchObject({ reason: 'crashed' });
    await expect(executor.play({ part: engine(`let __fairwayRun = 1; ${play}`), base: null, carried: {}, seed })).rejects.toMatchObject({ reason: 'crashed' });
  });
});
