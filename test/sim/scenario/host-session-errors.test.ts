/**
 * The `hostSessions:` block of a scenario: its defaults, and each refusal with its line and
 * field, so a QA lead who gets a session wrong learns where and why before anything runs.
 */
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../sim/scenario/load.js';
import { ScenarioError } from '../../../sim/scenario/scenario-error.js';
import { SCENARIO_DEFAULTS } from '../../../sim/scenario/schema.js';

const FILE = 'scenarios/host.yaml';

/** Line 7 is the session's first field; each case replaces one line. */
const VALID = `name: host
durationMs: 300000
fleet:
  - count: 1
catalog: demo
hostSessions:
  - title: super-golf
    atMs: 10000
    sessionMs: 60000
    joinSpreadMs: 5000
`;

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
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

const CASES = [
  { what: 'a title the demo catalog lacks', line: 7, text: '  - title: mega-golf', field: 'hostSessions.0.title', says: 'the demo catalog has no title "mega-golf"' },
  { what: 'a session that starts after the run', line: 8, text: '    atMs: 300000', field: 'hostSessions.0.atMs', says: 'must be before durationMs (300000)' },
  { what: 'a session that ends after the run', line: 9, text: '    sessionMs: 290000', field: 'hostSessions.0.sessionMs', says: 'the session must end before durationMs (300000)' },
  { what: 'peers that would join after the session ended', line: 10, text: '    joinSpreadMs: 60000', field: 'hostSessions.0.joinSpreadMs', says: 'must be shorter than sessionMs (60000)' },
  { what: 'more than 64 seats', line: 10, text: '    joinSpreadMs: 5000\n    seats: 65', field: 'hostSessions.0.seats', says: 'must be ≤ 64' },
  { what: 'no seats', line: 10, text: '    joinSpreadMs: 5000\n    seats: 0', field: 'hostSessions.0.seats', says: 'must be ≥ 1' },
  { what: 'more than 64 peers', line: 10, text: '    joinSpreadMs: 5000\n    peers: 65', field: 'hostSessions.0.peers', says: 'must be ≤ 64' },
  { what: 'a leave probability over 1', line: 10, text: '    joinSpreadMs: 5000\n    leaveProbability: 1.5', field: 'hostSessions.0.leaveProbability', says: 'must be ≤ 1' },
  { what: 'an offline share over 1', line: 10, text: '    joinSpreadMs: 5000\n    peersOffline: 2', field: 'hostSessions.0.peersOffline', says: 'must be ≤ 1' },
  { what: 'an unknown local preset', line: 10, text: '    joinSpreadMs: 5000\n    localPreset: bluetooth', field: 'hostSessions.0.localPreset', says: 'must be one of' },
  { what: 'an unknown local radio knob', line: 10, text: '    joinSpreadMs: 5000\n    localRadio: { range: 10 }', field: 'hostSessions.0.localRadio.range', says: 'unknown field "range"' },
  { what: 'an unknown session field', line: 10, text: '    joinSpreadMs: 5000\n    hostPreset: 4g', field: 'hostSessions.0.hostPreset', says: /known fields: atMs, title, seats, peers/ },
];

describe('host sessions in a scenario', () => {
  it('fill in every default a QA lead may leave out', () => {
    const [session] = parseScenario(VALID, FILE).hostSessions ?? [];
    expect(session).toEqual({
      title: 'super-golf',
      atMs: 10_000,
      sessionMs: 60_000,
      joinSpreadMs: 5_000,
      seats: SCENARIO_DEFAULTS.hostSeats,
      peers: SCENARIO_DEFAULTS.hostPeers,
      leaveProbability: 0,
      peersOffline: 0,
      storePreset: '4g',
      localPreset: 'local-wireless',
      localRadio: {},
      flashBytes: SCENARIO_DEFAULTS.flashBytes,
      credit: 10_000,
    });
  });

  it.each(CASES)('refuse $what, naming the line and the field', (c) => {
    const error = refusal(withLine(c.line, c.text));
    expect(error.field).toBe(c.field);
    expect(error.detail).toMatch(typeof c.says === 'string' ? new RegExp(c.says.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : c.says);
    expect(error.line).toBeGreaterThanOrEqual(c.line);
  });
});
