// The cartridge sandbox's own thread (see sandbox-thread.ts). Plain JavaScript so it runs in a
// worker without the TypeScript loader. Running cartridges here rather than on the caller's
// thread means what node:vm cannot contain stays contained: a promise a cartridge leaves
// rejected (which would crash or, with a proxy as its reason, hang the process that notices
// it), and running out of memory (the worker's heap is limited; the worker dies, not its
// parent). One job at a time: { id, prelude, code, filename, timeoutMs, entry } →
// { id, outcome: 'answer', answer } | { id, outcome: 'timeout' | 'crashed', message }.
import { performance } from 'node:perf_hooks';
import { types } from 'node:util';
import vm from 'node:vm';
import { parentPort } from 'node:worker_threads';

const ERROR_MAX_CHARS = 512;

// A cartridge's unhandled rejections are its own business. The reason is never looked at:
// formatting it would run the cartridge's getters or proxy traps with no time limit.
process.on('unhandledRejection', () => {});

parentPort.on('message', (job) => {
  parentPort.postMessage({ id: job.id, ...run(job) });
});

function run({ prelude, code, filename, timeoutMs, entry }) {
  let script;
  try {
    script = new vm.Script(code, { filename });
  } catch (e) {
    return { outcome: 'crashed', message: `the program does not compile: ${describeThrown(e)}` };
  }
  const context = vm.createContext(Object.create(null), {
    name: filename,
    codeGeneration: { strings: false, wasm: false },
    microtaskMode: 'afterEvaluate',
  });
  const deadline = performance.now() + timeoutMs;
  const stages = [
    ['preparing the sandbox', (timeout) => vm.runInContext(prelude, context, { timeout, displayErrors: false })],
    ['loading the program', (timeout) => script.runInContext(context, { timeout, displayErrors: false })],
    ['playing', (timeout) => vm.runInContext(`${entry}()`, context, { timeout, displayErrors: false })],
  ];
  let answer;
  for (const [step, stage] of stages) {
    try {
      // displayErrors off: decorating a thrown value's stack reads its properties here.
      answer = stage(Math.max(1, Math.ceil(deadline - performance.now())));
    } catch (e) {
      if (isTimeout(e) || performance.now() >= deadline) return { outcome: 'timeout', message: `the program ran past its ${timeoutMs} ms CPU limit (${step})` };
      return { outcome: 'crashed', message: `${step}: ${describeThrown(e)}` };
    }
  }
  // Only a string leaves; anything else means the program replaced what the prelude relies on.
  return typeof answer === 'string' ? { outcome: 'answer', answer } : { outcome: 'crashed', message: 'the sandbox entry point did not answer with text' };
}

/** The error node:vm throws at the CPU limit, recognised from own data properties only. */
function isTimeout(e) {
  if (typeof e !== 'object' || e === null || types.isProxy(e)) return false;
  return ownData(e, 'code') === 'ERR_SCRIPT_EXECUTION_TIMEOUT' || String(ownData(e, 'message') ?? '').startsWith('Script execution timed out');
}

/**
 * Describes a value thrown out of the sandbox from its own data properties: calling toString
 * or reading a getter would run cartridge code with no time limit.
 */
function describeThrown(e) {
  if (typeof e === 'function') return 'a function';
  if (typeof e !== 'object' || e === null) return String(e).slice(0, ERROR_MAX_CHARS);
  if (types.isProxy(e)) return 'a proxy';
  const prototype = Object.getPrototypeOf(e);
  const name = ownData(e, 'name') ?? (typeof prototype === 'object' && prototype !== null && !types.isProxy(prototype) ? ownData(prototype, 'name') : undefined);
  const message = ownData(e, 'message');
  const text = typeof message === 'string' ? `${typeof name === 'string' ? `${name}: ` : ''}${message}` : 'a thrown object';
  return text.slice(0, ERROR_MAX_CHARS);
}

function ownData(target, key) {
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}
