/**
 * The Node port's part executor: plays Fairway cartridges (format.ts) in a node:vm context,
 * for the simulator and the CLI demo. Each play gets a fresh context holding only ECMAScript
 * built-ins and a small frozen host API made inside the context (sandbox-prelude.ts); string
 * compilation and WebAssembly are off; a CPU time limit covers the engine's top level, its
 * `play` call and any promise jobs they queue. The context lives on a worker thread with a
 * limited heap (sandbox-thread.ts), so what node:vm cannot contain — memory exhaustion, a
 * promise left rejected — ends that thread, never the terminal's.
 *
 * Only one JSON string crosses back, and this side checks every field of it: the executor
 * fails only with an ExecutorError saying why, never with what the cartridge threw.
 */
import { FairwayError } from '../../../../sdk/errors.js';
import { ExecutorError, type ExecutorFailure } from '../../../executor/executor-error.js';
import type { Executor, PartImage, PlayOutcome, PlayRequest } from '../../../executor/executor.js';
import { checkResults } from '../../../executor/results.js';
import { readCartridge, type Cartridge } from './format.js';
import { ERROR_MAX_CHARS, preludeSource, RUN_ENTRY } from './sandbox-prelude.js';
import { SandboxThread } from './sandbox-thread.js';

export const DEFAULT_TIMEOUT_MS = 250;
export const TIMEOUT_MS_MAX = 10_000;
export const DEFAULT_MEMORY_MB = 64;
/** The sandbox's answer (results, log lines, an error text) is small; anything larger is refused. */
export const OUTPUT_MAX_CHARS = 256 * 1024;
/** How long past the CPU limit a play may take before its thread is ended (start-up, context). */
const WATCHDOG_GRACE_MS = 2_000;

/**
 * Any occurrence of the word, in code, strings or comments alike (false alarms are harmless).
 * node:vm has no module loader here, so import() rejects with an error made by the host realm,
 * and a host object's constructor.constructor is the host's Function: a way out. The keyword
 * cannot be spelled with escapes or computed, so refusing the word closes that door.
 */
const IMPORT_KEYWORD = /\bimport\b/;

export interface CartridgeExecutorOptions {
  /** CPU time one play may take, engine top level and play(host) together. 1–10,000; default 250. */
  timeoutMs?: number;
  /** Heap for the sandbox thread, 16–4,096 MB; default 64. */
  memoryMb?: number;
  /** Receives the lines the engine logged with host.log, after the play. */
  onLog?: (line: string, part: string) => void;
}

interface SandboxAnswer {
  out: { ok: true; value: unknown } | { ok: false; failure: ExecutorFailure; error: string };
  log: string[];
}

type Fail = (reason: ExecutorFailure, message: string, path?: string, cause?: unknown) => ExecutorError;

export class CartridgeExecutor implements Executor {
  readonly timeoutMs: number;
  private readonly onLog: ((line: string, part: string) => void) | undefined;
  private readonly thread: SandboxThread;

  constructor(options: CartridgeExecutorOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > TIMEOUT_MS_MAX) {
      throw new FairwayError('out-of-range', `timeoutMs ${timeoutMs}; 1–${TIMEOUT_MS_MAX}`, 'timeoutMs');
    }
    const memoryMb = options.memoryMb ?? DEFAULT_MEMORY_MB;
    if (!Number.isSafeInteger(memoryMb) || memoryMb < 16 || memoryMb > 4096) throw new FairwayError('out-of-range', `memoryMb ${memoryMb}; 16–4,096`, 'memoryMb');
    this.timeoutMs = timeoutMs;
    this.onLog = options.onLog;
    this.thread = new SandboxThread({ memoryMb, graceMs: WATCHDOG_GRACE_MS });
  }

  async play(request: PlayRequest): Promise<PlayOutcome> {
    if (!Number.isSafeInteger(request.seed)) throw new FairwayError('invalid-argument', `seed ${request.seed} is not a whole number`, 'seed');
    const carried = checkResults(request.carried, 'carried');
    const partId = request.part.part;
    const fail: Fail = (reason, message, path, cause) => new ExecutorError(reason, partId, message, path, cause);
    const cartridge = await readCartridge(request.part);
    const engine = cartridge.kind === 'engine' ? { id: partId, code: cartridge.code } : { id: request.base?.part, code: (await this.baseEngine(request.part, request.base)).code };
    if (engine.code === null) throw fail('missing-base', 'no program to run');
    if (IMPORT_KEYWORD.test(engine.code)) throw fail('bad-image', 'the program uses the word `import`; cartridges cannot import modules', 'code');

    const result = await this.thread.run({
      prelude: preludeSource({
        seed: request.seed,
        contentJson: cartridge.contentJson,
        carriedJson: JSON.stringify(carried),
        part: { id: partId, title: request.part.title, seq: request.part.seq },
      }),
      code: engine.code,
      filename: `${engine.id}.js`,
      timeoutMs: this.timeoutMs,
      entry: RUN_ENTRY,
    });
    if (result.outcome !== 'answer') throw fail(result.outcome, result.message);
    return this.outcome(parseAnswer(result.answer, fail), fail, partId);
  }

  /** Ends the sandbox thread. Plays after this are refused; call it when the terminal shuts down. */
  close(): Promise<void> {
    return this.thread.close();
  }

  /** A content part runs on its title's engine, which must be given, be of the title, and be an engine. */
  private async baseEngine(part: PartImage, base: PartImage | null): Promise<Cartridge> {
    if (base === null) throw new ExecutorError('missing-base', part.part, 'a content part needs its title’s base part, and none was given');
    if (base.title !== part.title) throw new ExecutorError('missing-base', part.part, `the base given (${base.part}) belongs to title ${base.title}, not ${part.title}`);
    const engine = await readCartridge(base);
    if (engine.kind !== 'engine') throw new ExecutorError('missing-base', part.part, `the base given (${base.part}) carries no program`);
    return engine;
  }

  private outcome(answer: SandboxAnswer, fail: Fail, partId: string): PlayOutcome {
    if (this.onLog) for (const line of answer.log) this.onLog(line, partId);
    if (!answer.out.ok) throw fail(answer.out.failure, answer.out.error);
    const value = answer.out.value;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('bad-results', 'play(host) returns { results, continue }', 'outcome');
    const { results, continue: more } = value as { results?: unknown; continue?: unknown };
    if (typeof more !== 'boolean') throw fail('bad-results', '`continue` must be true or false', 'continue');
    try {
      return { results: checkResults(results), continue: more };
    } catch (e) {
      if (!(e instanceof FairwayError)) throw e;
      throw fail('bad-results', e.message, e.path, e);
    }
  }
}

/**
 * The prelude's JSON answer, checked field by field: a program that tampers with the
 * built-ins the prelude uses (toJSON on a prototype, say) can bend it into any shape.
 */
function parseAnswer(answerText: string, fail: Fail): SandboxAnswer {
  const tampered = () => fail('crashed', 'the sandbox’s answer is not what the prelude writes (the program changed the built-ins it relies on)');
  if (answerText.length > OUTPUT_MAX_CHARS) throw fail('bad-results', `the results run to ${answerText.length} characters; at most ${OUTPUT_MAX_CHARS}`, 'results');
  let answer: unknown;
  try {
    answer = JSON.parse(answerText);
  } catch {
    throw tampered();
  }
  if (typeof answer !== 'object' || answer === null) throw tampered();
  const { out, log } = answer as { out?: unknown; log?: unknown };
  if (typeof out !== 'object' || out === null) throw tampered();
  const lines = Array.isArray(log) ? log.filter((l): l is string => typeof l === 'string') : [];
  const o = out as { ok?: unknown; value?: unknown; failure?: unknown; error?: unknown };
  if (o.ok === true) return { out: { ok: true, value: o.value }, log: lines };
  if (o.ok === false && (o.failure === 'crashed' || o.failure === 'bad-results') && typeof o.error === 'string') {
    return { out: { ok: false, failure: o.failure, error: o.error.slice(0, ERROR_MAX_CHARS) }, log: lines };
  }
  throw tampered();
}
