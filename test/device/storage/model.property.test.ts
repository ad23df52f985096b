/**
 * The manager against a reference model under random sequences (seeded: FAIRWAY_SEED replays a
 * failure, FAIRWAY_FUZZ_RUNS scales the count): reserve, write, read, markComplete, markServed,
 * finishTitle, release, remove and reboots, on a small MemoryStorage so refusals and evictions
 * are common. After every step: storage used ≤ capacity; the manager's figures and parts equal
 * the model's; every outcome (value or error kind) is the model's; no blob outlives its part;
 * the caller's own blob is intact; and a live part's base is stored unless it was forced away.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PART_BLOB_KINDS, StorageFullError, StorageManager, type PartBlobKind, type ReserveRequest } from '../../../device/storage/index.js';
import { isFairwayError, type ErrorKind } from '../../../sdk/errors.js';
import { MemoryStorage } from '../../../sdk/testing/mocks/index.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { bytesOf } from './support/parts.js';
import { StorageModel } from './support/storage-model.js';

const PART_BYTES = 3000;
const SYSTEM_RESERVE_BYTES = 3072;
const TITLES = ['a', 'b', 'c'] as const;
const STATE = bytesOf(200, 99);

type BaseMode = 'first' | 'chain' | 'none';
type Spec = Record<string, ReserveRequest>;

const sizes = fc.record({ dataBytes: fc.integer({ min: 1, max: 1200 }), sideBytes: fc.integer({ min: 0, max: 200 }) });
const mode = fc.constantFrom<BaseMode>('first', 'first', 'chain', 'chain', 'none');
const titleSpec = fc.record({ mode, parts: fc.tuple(sizes, sizes, sizes) });
const specArb = fc.tuple(titleSpec, titleSpec, titleSpec).map((titles): Spec => {
  const spec: Spec = {};
  titles.forEach(({ mode, parts }, t) => {
    const title = TITLES[t]!;
    parts.forEach((size, i) => {
      const seq = i + 1;
      const base = seq === 1 || mode === 'none' ? null : mode === 'first' ? `${title}-1` : `${title}-${seq - 1}`;
      spec[`${title}-${seq}`] = { part: `${title}-${seq}`, title, seq, base, ...size };
    });
  });
  return spec;
});

/**
 * Random steps are resolved against the model when they run. `advance` moves a title along
 * the way a terminal does (reserve part 1; fill and complete it; reserve the next part before
 * serving this one; serve; finish the title after the last), which is what builds kept bases,
 * and later eviction pressure. The other steps pick their part: usually one they make sense
 * for (for reserve one whose base is stored, for markComplete a reserved part, for markServed
 * a complete one, else any stored part), one time in six any part of the titles (absent, or
 * in the wrong state), so both the rules and the refusals get work.
 */
const stray = fc.integer({ min: 0, max: 5 }).map((n) => n === 0);
const fraction = fc.integer({ min: 0, max: 1000 });
const kind = fc.constantFrom(...PART_BLOB_KINDS);
const title = fc.constantFrom(...TITLES);
type Step =
  | { op: 'reserve' | 'markComplete' | 'markServed' | 'release'; pick: number; stray: boolean }
  | { op: 'read'; pick: number; stray: boolean; kind: PartBlobKind }
  | { op: 'write'; pick: number; stray: boolean; kind: PartBlobKind; at: number; length: number }
  | { op: 'remove'; pick: number; stray: boolean; force: boolean }
  | { op: 'advance'; title: string; linger: boolean }
  | { op: 'finishTitle'; title: string }
  | { op: 'reopen' };
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  // Skewed, so one title often gets all the way through while others come and go.
  { weight: 14, arbitrary: fc.record({ op: fc.constant('advance' as const), title: fc.constantFrom('a', 'a', 'a', 'b', 'b', 'c'), linger: fc.nat(3).map((n) => n > 0) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('reserve' as const), pick: fc.nat(), stray }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('write' as const), pick: fc.nat(), stray, kind, at: fraction, length: fraction }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('read' as const), pick: fc.nat(), stray, kind }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('markComplete' as const), pick: fc.nat(), stray }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('markServed' as const), pick: fc.nat(), stray }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('finishTitle' as const), title }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('release' as const), pick: fc.nat(), stray }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('remove' as const), pick: fc.nat(), stray, force: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
);

/** A step with its part chosen and its bytes made. */
type Action =
  | { op: 'reserve' | 'markComplete' | 'markServed' | 'release'; part: string }
  | { op: 'read'; part: string; kind: PartBlobKind }
  | { op: 'write'; part: string; kind: PartBlobKind; offset: number; bytes: Uint8Array }
  | { op: 'remove'; part: string; force: boolean }
  | { op: 'finishTitle'; title: string };

const ALL_PARTS = TITLES.flatMap((t) => [1, 2, 3].map((seq) => `${t}-${seq}`));

/** Settles `call` and checks it did what the model says: resolved (returning the value) or failed with `kind`. */
async function expectOutcome<T>(call: () => Promise<T>, expected: 'ok' | ErrorKind, what: string): Promise<T | undefined> {
  const outcome = await call().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  if (expected === 'ok') {
    if (!outcome.ok) expect.fail(`${what}: expected success, got ${String(outcome.error)}`);
    return outcome.value;
  }
  if (outcome.ok) expect.fail(`${what}: expected ${expected}, it succeeded`);
  if (!isFairwayError(outcome.error, expected)) expect.fail(`${what}: expected ${expected}, got ${String(outcome.error)}`);
  return undefined;
}

class Run {
  memory = new MemoryStorage(SYSTEM_RESERVE_BYTES + PART_BYTES);
  model = new StorageModel(PART_BYTES);
  manager!: StorageManager;
  /** The last part of each title the terminal has played, so `advance` moves on to the next. */
  readonly servedSeq = new Map<string, number>();

  private constructor(readonly spec: Spec) {}

  static async start(spec: Spec): Promise<Run> {
    const run = new Run(spec);
    await run.memory.write('fw-state', 0, STATE);
    run.manager = await StorageManager.open(run.memory, { systemReserveBytes: SYSTEM_RESERVE_BYTES });
    return run;
  }

  async step(step: Step, index: number): Promise<void> {
    if (step.op === 'reopen') {
      this.memory = this.memory.reopen();
      this.manager = await StorageManager.open(this.memory, { systemReserveBytes: SYSTEM_RESERVE_BYTES });
      return;
    }
    const actions = step.op === 'advance' ? this.advance(step.title, step.linger) : [this.resolve(step, index)];
    for (const action of actions) if (action) await this.act(action, `step ${index} ${JSON.stringify({ ...action, bytes: undefined })}`);
  }

  private resolve(step: Exclude<Step, { op: 'reopen' | 'advance' }>, index: number): Action | undefined {
    const { model } = this;
    if (step.op === 'finishTitle') return { op: 'finishTitle', title: step.title };
    const stored = [...model.parts.values()].sort((a, b) => a.slot - b.slot);
    const inState = (state: string) => stored.filter((p) => p.state === state).map((p) => p.request.part);
    const fitting =
      step.op === 'reserve' ? ALL_PARTS.filter((id) => !model.parts.has(id) && this.baseStored(id))
      : step.op === 'markComplete' ? inState('reserved')
      : step.op === 'markServed' ? inState('complete')
      : stored.map((p) => p.request.part);
    const ids = step.stray ? ALL_PARTS : fitting;
    const part = ids[step.pick % Math.max(1, ids.length)];
    if (part === undefined) return undefined;
    if (step.op === 'reserve' && !this.baseStored(part)) return undefined;
    if (step.op === 'write') {
      const target = model.parts.get(part);
      const limit = target ? model.limit(target, step.kind) : 10;
      const offset = Math.floor((step.at / 1000) * (limit + 8));
      return { op: 'write', part, kind: step.kind, offset, bytes: bytesOf(Math.floor((step.length / 1000) * (limit + 8 - offset)), index) };
    }
    if (step.op === 'read') return { op: 'read', part, kind: step.kind };
    if (step.op === 'remove') return { op: 'remove', part, force: step.force };
    return { op: step.op, part };
  }

  /** A part is only ever offered once its base, and its base's base and so on, are on the device. */
  private baseStored(id: string): boolean {
    for (let base = this.spec[id]!.base; base !== null; base = this.spec[base]!.base) if (!this.model.parts.has(base)) return false;
    return true;
  }

  /**
   * The next thing a terminal playing `title` would do: reserve part 1; fetch and complete a
   * part; reserve the next part, then serve this one (so the next one keeps it as its base);
   * serve the last; finish the title. Once every part has been served, a lingering terminal
   * leaves the title unfinished: its kept bases are then ended parts nothing needs, which
   * other titles' reservations may evict. Later actions act on the model as it was before the
   * earlier ones; a refusal in between makes them fail the way the model predicts.
   */
  private advance(title: string, linger: boolean): Action[] {
    const parts = [...this.model.parts.values()].filter((p) => p.request.title === title).sort((a, b) => a.request.seq - b.request.seq);
    const current = parts.find((p) => p.state !== 'kept-base');
    if (!current) {
      const seq = (this.servedSeq.get(title) ?? 0) + 1;
      if (seq > 3) return linger ? [] : [{ op: 'finishTitle', title }];
      const part = `${title}-${seq}`;
      return [this.baseStored(part) ? { op: 'reserve', part } : { op: 'finishTitle', title }];
    }
    const part = current.request.part;
    if (current.state === 'reserved') {
      const data = current.blobs.get('data')?.length ?? 0;
      const fill: Action = { op: 'write', part, kind: 'data', offset: data, bytes: bytesOf(current.request.dataBytes - data, current.slot) };
      return [...(data < current.request.dataBytes ? [fill] : []), { op: 'markComplete', part }];
    }
    const next = `${title}-${current.request.seq + 1}`;
    const reserveNext: Action[] = current.request.seq < 3 && !this.model.parts.has(next) ? [{ op: 'reserve', part: next }] : [];
    return [...reserveNext, { op: 'markServed', part }];
  }

  private async act(action: Action, what: string): Promise<void> {
    const { manager, model } = this;
    if (action.op === 'finishTitle') {
      const gone = [...model.parts.values()].filter((p) => p.request.title === action.title).map((p) => p.request.part);
      const result = await expectOutcome(() => manager.finishTitle(action.title), 'ok', what);
      expect(result, what).toEqual(gone);
      for (const id of gone) model.delete(id);
      this.servedSeq.delete(action.title);
      return;
    }
    const stored = model.parts.get(action.part);
    switch (action.op) {
      case 'reserve': {
        const request = this.spec[action.part]!;
        if (stored) {
          await expectOutcome(() => manager.reserve(request), 'ok', what);
          return;
        }
        const neededBytes = request.dataBytes + request.sideBytes;
        const evictable = model.evictable(request.base);
        let free = model.freeBytes();
        const evicted = [];
        for (const p of evictable) {
          if (free >= neededBytes) break;
          evicted.push(p);
          free += p.request.dataBytes + p.request.sideBytes;
        }
        if (free < neededBytes) {
          const error = await manager.reserve(request).then(() => expect.fail(`${what}: expected a refusal`), (e: unknown) => e);
          expect(error, what).toBeInstanceOf(StorageFullError);
          const full = error as StorageFullError;
          expect({ needed: full.neededBytes, free: full.freeBytes, freeable: full.freeableBytes, candidates: full.candidates }, what).toEqual({
            needed: neededBytes,
            free: Math.max(0, model.freeBytes()),
            freeable: evictable.reduce((sum, p) => sum + p.request.dataBytes + p.request.sideBytes, 0),
            candidates: model.candidates(),
          });
          return;
        }
        await expectOutcome(() => manager.reserve(request), 'ok', what);
        for (const p of evicted) model.delete(p.request.part);
        model.add(request);
        return;
      }
      case 'write': {
        const limit = stored ? model.limit(stored, action.kind) : 0;
        const current = stored?.blobs.get(action.kind)?.length ?? 0;
        const expected = !stored ? 'not-found' : Math.max(current, action.offset + action.bytes.length) > limit ? 'out-of-range' : 'ok';
        await expectOutcome(() => manager.write(action.part, action.kind, action.offset, action.bytes), expected, what);
        if (stored && expected === 'ok') model.write(stored, action.kind, action.offset, action.bytes);
        return;
      }
      case 'read': {
        const bytes = await expectOutcome(() => manager.read(action.part, action.kind, 0, 1 << 16), stored ? 'ok' : 'not-found', what);
        if (stored) expect(bytes, what).toEqual(stored.blobs.get(action.kind) ?? new Uint8Array(0));
        return;
      }
      case 'markComplete': {
        const expected = !stored ? 'not-found' : stored.state === 'kept-base' ? 'invalid-argument' : 'ok';
        await expectOutcome(() => manager.markComplete(action.part), expected, what);
        if (stored && expected === 'ok') stored.state = 'complete';
        return;
      }
      case 'markServed': {
        const expected = !stored ? 'not-found' : stored.state === 'reserved' ? 'invalid-argument' : 'ok';
        const outcome = await expectOutcome(() => manager.markServed(action.part), expected, what);
        if (!stored || expected !== 'ok') return;
        this.servedSeq.set(stored.request.title, Math.max(this.servedSeq.get(stored.request.title) ?? 0, stored.request.seq));
        if (stored.state === 'kept-base') expect(outcome, what).toBe('kept-base');
        else if (model.needed().has(action.part)) {
          expect(outcome, what).toBe('kept-base');
          model.end(stored);
        } else {
          expect(outcome, what).toBe('deleted');
          model.delete(action.part);
        }
        return;
      }
      case 'release':
      case 'remove': {
        const force = action.op === 'remove' && action.force;
        const needed = model.needed().has(action.part);
        const expected = !stored ? 'not-found' : needed && !force ? 'invalid-argument' : 'ok';
        await expectOutcome(() => (action.op === 'release' ? manager.release(action.part) : manager.remove(action.part, { force })), expected, what);
        if (stored && expected === 'ok') {
          model.delete(action.part);
          if (needed) model.forcedAway.add(action.part);
        }
        return;
      }
    }
  }

  /** One comparison per step (a thousand sessions of up to 60 steps must stay fast). */
  async expectAgreement(what: string): Promise<void> {
    const { manager, model, memory } = this;
    const storage = await memory.usage();
    const parts = manager.list();
    const byId = new Map(parts.map((p) => [p.part, p]));
    // A live part's base, and that base's base and so on, are all stored (unless forced away).
    const lostBases: string[] = [];
    for (const p of parts) {
      if (p.state === 'kept-base') continue;
      const seen = new Set<string>();
      for (let base = p.base; base !== null && !model.forcedAway.has(base) && !seen.has(base); base = byId.get(base)?.base ?? null) {
        seen.add(base);
        if (!byId.has(base)) lostBases.push(`${p.part} (${p.state}) lost ${base}`);
      }
    }
    const slots = new Set(parts.map((p) => p.slot));
    const orphans = (await memory.list()).map((b) => b.name).filter((name) => /^s\d+\./.test(name) && !slots.has(Number(/^s(\d+)/.exec(name)?.[1])));
    const state = await memory.read('fw-state', 0, 1000);
    const actual = {
      storageWithinCapacity: storage.usedBytes <= storage.capacityBytes,
      usage: manager.usage(),
      parts: parts.map((p) => ({ part: p.part, state: p.state, slot: p.slot, writtenBytes: p.writtenBytes })),
      lostBases,
      orphans,
      callerBlobIntact: state.length === STATE.length && state.every((b, i) => b === STATE[i]),
    };
    expect(actual, what).toEqual({
      storageWithinCapacity: true,
      usage: {
        capacityBytes: SYSTEM_RESERVE_BYTES + PART_BYTES,
        systemReserveBytes: SYSTEM_RESERVE_BYTES,
        reservedBytes: model.reservedBytes(),
        usedBytes: model.usedBytes(),
        freeBytes: Math.max(0, model.freeBytes()),
      },
      parts: [...model.parts.values()]
        .sort((a, b) => a.slot - b.slot)
        .map((p) => ({ part: p.request.part, state: p.state, slot: p.slot, writtenBytes: [...p.blobs.values()].reduce((sum, blob) => sum + blob.length, 0) })),
      lostBases: [],
      orphans: [],
      callerBlobIntact: true,
    });
  }
}

describe('StorageManager against its model', () => {
  it(`agrees with the model after every step of ${fuzzRuns} random sessions (seed ${seed})`, async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.array(stepArb, { minLength: 30, maxLength: 60, size: 'max' }), async (spec, steps) => {
        const run = await Run.start(spec);
        await run.expectAgreement('at the start');
        for (const [i, step] of steps.entries()) {
          await run.step(step, i);
          await run.expectAgreement(`after step ${i} ${JSON.stringify(step)} (seed ${seed})`);
        }
      }),
      { seed, numRuns: fuzzRuns },
    );
  }, Math.max(120_000, fuzzRuns * 60));
});
