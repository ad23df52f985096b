/**
 * Host sessions in the simulator (seed 000, [FW-13, FW-14]): the QA scenario runs the real
 * store and real terminal runtimes — hosts that buy and license a part, peers that receive it
 * over a flaky local link — and every invariant holds: seats, charges per billing mode, and
 * deletion after the session. The same seed replays the same trace.
 */
import { describe, expect, it } from 'vitest';
import { runFleet } from '../../../sim/fleet/run-fleet.js';
import type { HostSessionsDriver } from '../../../sim/fleet/host-sessions.js';
import type { RunResult } from '../../../sim/report/run-result.js';
import { loadScenario } from '../../../sim/scenario/index.js';

const FILE = 'sim/scenarios/host-session.yaml';

async function run(seedOverride?: number, onHostSessions?: (d: HostSessionsDriver) => void): Promise<RunResult> {
  const scenario = await loadScenario(FILE);
  const seed = seedOverride ?? scenario.seed ?? 6;
  return runFleet({ scenario, seed, reproduce: `npx fairway sim run ${FILE} --seed ${seed}`, ...(onHostSessions && { onHostSessions }) });
}

describe('the host-session scenario', () => {
  it('holds every invariant, refuses two golf peers seats-full, bills each mode as its rule says, deletes after the session, and replays exactly', async () => {
    const first = await run();
    const again = await run();
    expect(first.invariants.filter((i) => !i.held), `reproduce: ${first.reproduce}`).toEqual([]);
    expect(first.invariants.map((i) => i.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^host sessions: seats/), expect.stringMatching(/^host sessions: seats charged/), expect.stringMatching(/^host sessions: peers delete/)]));
    expect(again.traceHash, `reproduce: ${first.reproduce}`).toBe(first.traceHash);

    const [golf, puzzle] = first.hostSessions ?? [];
    expect(golf).toMatchObject({ title: 'super-golf', billing: 'per-reception', seats: 4, peersTried: 6, seated: 4, refused: 2, deletionHeld: true, problems: [] });
    // Per reception: one seat per peer whose notice reached the store (via the host's relay at the latest).
    expect(golf!.received).toBeGreaterThan(0);
    expect(golf!.chargedSeats).toBe(Math.min(4, golf!.received));
    // Every peer that received the part played it during the session, with no store in the loop.
    expect(golf!.played).toBe(golf!.received);
    expect(golf!.chargedMinor).toBe(golf!.chargedSeats * 120);
    // Up front: all four approved seats charged once with the licence, though only three peers came.
    expect(puzzle).toMatchObject({ title: 'pocket-puzzle', billing: 'upfront', seats: 4, peersTried: 3, seated: 3, refused: 0, received: 3, played: 3, chargedSeats: 4, chargedMinor: 320, deletionHeld: true, problems: [] });
  }, 60_000);

  it('a peer whose battery is pulled mid-session deletes the hosted part at its next start', async () => {
    let driver: HostSessionsDriver | null = null;
    const result = await run(undefined, (d) => {
      driver = d;
      // The puzzle session's clean local link: 700 ms after its join the peer is connected and streaming.
      d.powerCutPeerAfterJoin(1, 0, 700);
    });
    const cut = (driver as HostSessionsDriver | null)?.facts()[1]?.peers[0];
    expect(cut).toMatchObject({ joined: true, heldAtCut: true, restarted: true, hostedPartsLeft: [] });
    expect(cut?.after).toEqual(cut?.baseline);
    expect(result.invariants.filter((i) => !i.held), `reproduce: ${result.reproduce}`).toEqual([]);
    expect(result.hostSessions?.[1]?.deletionHeld).toBe(true);
  }, 60_000);
});
