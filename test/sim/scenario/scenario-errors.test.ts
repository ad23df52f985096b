import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FairwayError, type ErrorKind } from '../../../sdk/errors.js';
import { parseScenario } from '../../../sim/scenario/load.js';
import { ScenarioError } from '../../../sim/scenario/scenario-error.js';
import { fuzzRuns, seed } from '../../support/seed.js';

const FILE = 'scenarios/broken.yaml';

/** A valid scenario to break one line at a time; line numbers below refer to it. */
const VALID = `name: evening-rush
seed: 20261202
durationMs: 1800000
fleet:
  - count: 30
    preset: 3g
    radio: { latencyMsMean: 300 }
    flashBytes: 4194304
    user: { buyNextProbability: 0.9, topUpWhenShort: true, startDelayMsMax: 60000, titles: [super-golf] }
    credit: 500
    cards: 2
    cardValue: 1000
  - count: 20
    preset: weak-radio
catalog: demo
faults:
  - { atMs: 600000, kind: broker-restart }
  - { kind: power-loss, ratePerHour: 0.5 }
  - { atMs: 120000, durationMs: 30000, kind: blackout, fraction: 0.3 }
  - { atMs: 300000, kind: freeze, count: 1 }
expect:
  minTitlesFinished: 10
  ttfpMsP95Max: 120000
`;

/** VALID with line `n` (1-based) replaced. */
function withLine(n: number, text: string): string {
  const lines = VALID.split('\n');
  lines[n - 1] = text;
  return lines.join('\n');
}

function refusal(text: string): ScenarioError {
  try {
    parseScenario(text, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect(e).toBeInstanceOf(FairwayError);
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

interface Case {
  what: string;
  text: string;
  kind: ErrorKind;
  line: number;
  field?: string;
  says: string | RegExp;
}

const CASES: Case[] = [
  { what: 'an unknown top-level field', text: withLine(3, 'durationMinutes: 30'), kind: 'unknown-field', line: 3, field: 'durationMinutes', says: /unknown field "durationMinutes".*known fields: name, seed, durationMs/ },
  { what: 'an unknown field in a fleet group', text: withLine(11, '    colour: red'), kind: 'unknown-field', line: 11, field: 'fleet.0.colour', says: 'unknown field "colour"' },
  { what: 'an unknown radio knob', text: withLine(7, '    radio: { latencyMs: 300 }'), kind: 'unknown-field', line: 7, field: 'fleet.0.radio.latencyMs', says: /known fields: uplinkBitsPerS, .*latencyMsMean/ },
  { what: 'text where a number belongs', text: withLine(5, '  - count: thirty'), kind: 'wrong-type', line: 5, field: 'fleet.0.count', says: 'must be a number, not the text "thirty"' },
  { what: 'a fraction of a terminal', text: withLine(5, '  - count: 2.5'), kind: 'wrong-type', line: 5, field: 'fleet.0.count', says: 'must be a whole number, not 2.5' },
  { what: 'a list where a mapping belongs', text: withLine(9, '    user: [0.9]'), kind: 'wrong-type', line: 9, field: 'fleet.0.user', says: 'must be a mapping (field: value), not a list' },
  { what: 'a preset name the radio model does not know', text: withLine(6, '    preset: 5g'), kind: 'out-of-range', line: 6, field: 'fleet.0.preset', says: 'must be one of: gprs, edge, 3g, 4g, atc-edge-lossy, weak-radio' },
  { what: 'a probability over 1 for the player', text: withLine(9, '    user: { buyNextProbability: 1.5 }'), kind: 'out-of-range', line: 9, field: 'fleet.0.user.buyNextProbability', says: 'must be ≤ 1' },
  { what: 'a probability over 1 for the radio', text: withLine(7, '    radio: { badStateEnterProbability: 1.2 }'), kind: 'out-of-range', line: 7, field: 'fleet.0.radio.badStateEnterProbability', says: 'must be ≤ 1' },
  { what: 'a negative radio rate', text: withLine(7, '    radio: { downlinkBitsPerS: -1 }'), kind: 'out-of-range', line: 7, field: 'fleet.0.radio.downlinkBitsPerS', says: 'must be ≥ 0' },
  { what: 'a zero radio step', text: withLine(7, '    radio: { stepMs: 0 }'), kind: 'out-of-range', line: 7, field: 'fleet.0.radio.stepMs', says: 'must be > 0' },
  { what: 'an endless stall', text: withLine(7, '    radio: { badStateExitProbability: 0 }'), kind: 'invalid-argument', line: 7, field: 'fleet.0.radio.badStateExitProbability', says: /must be > 0 unless badStateEnterProbability is 0/ },
  { what: 'a negative count', text: withLine(13, '  - count: -3'), kind: 'out-of-range', line: 13, field: 'fleet.1.count', says: 'must be ≥ 1' },
  { what: 'a group of no terminals', text: withLine(13, '  - count: 0'), kind: 'out-of-range', line: 13, field: 'fleet.1.count', says: 'must be ≥ 1' },
  { what: 'a negative credit', text: withLine(10, '    credit: -500'), kind: 'out-of-range', line: 10, field: 'fleet.0.credit', says: 'must be ≥ 0' },
  { what: 'a fault kind nobody models', text: withLine(18, '  - { kind: meteor, ratePerHour: 0.5 }'), kind: 'out-of-range', line: 18, field: 'faults.1.kind', says: 'unknown kind "meteor"; one of: broker-restart, power-loss, blackout, freeze' },
  { what: 'a fault without a kind', text: withLine(17, '  - { atMs: 600000 }'), kind: 'missing-field', line: 17, field: 'faults.0.kind', says: 'is required (one of: broker-restart' },
  { what: 'a field of another fault kind', text: withLine(18, '  - { kind: power-loss, ratePerHour: 0.5, fraction: 0.3 }'), kind: 'unknown-field', line: 18, field: 'faults.1.fraction', says: 'known fields: kind, ratePerHour, fromMs, untilMs, offMs' },
  { what: 'a blackout of more than the fleet', text: withLine(19, '  - { atMs: 120000, durationMs: 30000, kind: blackout, fraction: 1.3 }'), kind: 'out-of-range', line: 19, field: 'faults.2.fraction', says: 'must be ≤ 1' },
  { what: 'a fault after the run ends', text: withLine(17, '  - { atMs: 1800000, kind: broker-restart }'), kind: 'invalid-argument', line: 17, field: 'faults.0.atMs', says: 'must be before durationMs (1800000)' },
  { what: 'more frozen terminals than the fleet has', text: withLine(20, '  - { atMs: 300000, kind: freeze, count: 51 }'), kind: 'invalid-argument', line: 20, field: 'faults.3.count', says: '51 terminals to freeze; the fleet has 50' },
  { what: 'a power-loss window that ends before it starts', text: withLine(18, '  - { kind: power-loss, ratePerHour: 0.5, fromMs: 5000, untilMs: 5000 }'), kind: 'invalid-argument', line: 18, field: 'faults.1.untilMs', says: 'must be after fromMs (5000)' },
  { what: 'a title the demo catalog lacks', text: withLine(9, '    user: { titles: [super-golf, mega-golf] }'), kind: 'invalid-argument', line: 9, field: 'fleet.0.user.titles.1', says: 'the demo catalog has no title "mega-golf"; it has: super-golf, lighthouse-keeper, kart-rally-demo, pocket-puzzle' },
  { what: 'a catalog that is neither demo nor folders', text: withLine(15, 'catalog: 7'), kind: 'wrong-type', line: 15, field: 'catalog', says: 'must be "demo" or a list of title folders' },
  { what: 'an empty list of catalog folders', text: withLine(15, 'catalog: []'), kind: 'out-of-range', line: 15, field: 'catalog', says: 'needs at least 1 entry' },
  { what: 'a negative seed', text: withLine(2, 'seed: -1'), kind: 'out-of-range', line: 2, field: 'seed', says: 'must be ≥ 0' },
  { what: 'a seed over 32 bits', text: withLine(2, 'seed: 4294967296'), kind: 'out-of-range', line: 2, field: 'seed', says: 'must be ≤ 4294967295' },
  { what: 'a timeline step longer than the run', text: withLine(3, 'durationMs: 1800000\ntimelineStepMs: 3600000'), kind: 'invalid-argument', line: 4, field: 'timelineStepMs', says: 'must not exceed durationMs (1800000)' },
  { what: 'a name with a slash', text: withLine(1, 'name: evening/rush'), kind: 'invalid-argument', line: 1, field: 'name', says: 'must be letters, digits' },
  { what: 'an unknown expectation', text: withLine(22, '  maxTitlesFinished: 10'), kind: 'unknown-field', line: 22, field: 'expect.maxTitlesFinished', says: 'known fields: minPartsBought' },
  { what: 'a missing name', text: withLine(1, '# no name'), kind: 'missing-field', line: 2, field: 'name', says: 'is required' },
  { what: 'a group without a count', text: withLine(13, '  - flashBytes: 2097152'), kind: 'missing-field', line: 13, field: 'fleet.1.count', says: 'is required' },
  { what: 'an empty fleet', text: VALID.replace(/fleet:[\s\S]*?catalog/, 'fleet: []\ncatalog'), kind: 'out-of-range', line: 4, field: 'fleet', says: 'needs at least 1 entry' },
  { what: 'a YAML syntax error', text: withLine(7, '    radio: { latencyMsMean: 300'), kind: 'malformed', line: 8, says: /./ },
  { what: 'a tab used for indentation', text: withLine(10, '\tcredit: 500'), kind: 'malformed', line: 10, says: /./ },
  { what: 'a key given twice', text: withLine(11, '    credit: 600'), kind: 'malformed', line: 11, says: /unique/i },
  { what: 'an empty file', text: '', kind: 'missing-field', line: 1, says: 'the file is empty' },
  { what: 'a file of comments only', text: '# nothing yet\n', kind: 'missing-field', line: 1, says: 'the file is empty' },
  { what: 'a file that is a list, not a scenario', text: '- name: x\n', kind: 'wrong-type', line: 1, says: 'must be a mapping (field: value), not a list' },
];

describe('scenario validation errors', () => {
  it.each(CASES)('$what gives a ScenarioError naming the line and the field', (c) => {
    const error = refusal(c.text);
    expect({ kind: error.kind, line: error.line, field: error.field }).toEqual({ kind: c.kind, line: c.line, field: c.field });
    expect(error.detail).toMatch(typeof c.says === 'string' ? new RegExp(c.says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : c.says);
    expect(error.message.split('\n')[0]).toBe(`${FILE}:${c.line}: ${c.field ? `${c.field}: ` : ''}${error.detail}`);
    expect(error.path).toBe(c.field);
    expect(error.file).toBe(FILE);
  });

  it('the valid scenario the cases break is itself valid', () => {
    expect(parseScenario(VALID, FILE).fleet).toHaveLength(2);
  });

  it('lists every problem in the file at once, each with its own line', () => {
    const text = withLine(6, '    preset: 5g').replace('credit: 500', 'credit: -1').replace('name: evening-rush', 'nom: evening-rush');
    const error = refusal(text);
    expect(error.problems.map((p) => [p.line, p.field])).toEqual(
      expect.arrayContaining([
        [1, 'nom'],
        [6, 'fleet.0.preset'],
        [10, 'fleet.0.credit'],
      ]),
    );
    expect(error.message.split('\n')).toHaveLength(error.problems.length);
  });

  it('refuses alias expansion beyond any sane scenario (a "billion laughs" file) as malformed', () => {
    // Seven levels of ten aliases each: ten million nodes once expanded, from seven short lines.
    const level = (i: number) => String.fromCharCode(97 + i);
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 6 }, (_, i) => `${level(i + 1)}: &${level(i + 1)} [${Array(10).fill(`*${level(i)}`).join(', ')}]`)];
    const bomb = lines.join('\n');
    const error = refusal(bomb);
    expect(error.kind).toBe('malformed');
    expect(error.detail).toMatch(/alias/i);
  });

  it('checks preset names against a list the caller passes instead of the built-in one', () => {
    const custom = withLine(6, '    preset: lab-bench').replace('preset: weak-radio', 'preset: lab-bench');
    expect(parseScenario(custom, FILE, { presetNames: ['lab-bench'] }).fleet[0]!.preset).toBe('lab-bench');
    try {
      parseScenario(VALID, FILE, { presetNames: ['lab-bench'] });
      expect.unreachable('3g is not on the passed list');
    } catch (e) {
      expect(e).toBeInstanceOf(ScenarioError);
      expect((e as ScenarioError).problems.map((p) => [p.line, p.field])).toEqual([
        [6, 'fleet.0.preset'],
        [14, 'fleet.1.preset'],
      ]);
    }
  });

  it(`never fails with anything but a ScenarioError pointing inside the file, whatever the input (seed ${seed})`, () => {
    const scalar = fc.oneof(fc.integer({ min: -5, max: 2_000_000 }), fc.double({ noNaN: false }), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null));
    const key = fc.constantFrom('name', 'seed', 'durationMs', 'fleet', 'count', 'preset', 'radio', 'user', 'faults', 'kind', 'atMs', 'catalog', 'expect', 'stepMs', 'titles', 'x');
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    const lineCount = (t: string) => t.split('\n').length;
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(key, value, { maxKeys: 6 }).map((o) => JSON.stringify(o, null, 1)), fc.string({ maxLength: 60 })), (text) => {
        try {
          parseScenario(text, FILE);
        } catch (e) {
          if (!(e instanceof ScenarioError)) throw e;
          for (const p of e.problems) expect(p.line! >= 1 && p.line! <= lineCount(text)).toBe(true);
        }
      }),
      { seed, numRuns: fuzzRuns },
    );
  });
});
