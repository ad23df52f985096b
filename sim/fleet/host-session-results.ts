/**
 * The report's line per host session: what the driver saw, what the store charged, and what
 * the host-session checkers found for that session.
 */
import { chargeProblems, deletionProblems, seatProblems } from '../checkers/host-session-invariants.js';
import type { StoreLicence } from '../checkers/store-licences.js';
import type { HostSessionResult } from '../report/run-result.js';
import type { HostSessionFacts } from './host-session-facts.js';

export function hostSessionResults(sessions: readonly HostSessionFacts[], store: readonly StoreLicence[]): HostSessionResult[] {
  return sessions.map((s) => {
    const row = s.licenceId === null ? undefined : store.find((l) => l.licenceId === s.licenceId);
    const deletion = deletionProblems(s);
    return {
      title: s.title,
      host: s.host,
      billing: s.billing,
      seats: s.seats,
      seatPriceMinor: s.seatPriceMinor,
      peersTried: s.peers.filter((p) => p.joined).length,
      seated: new Set(s.seated).size,
      refused: new Set(s.refusedSeatsFull).size,
      received: new Set(s.noticed).size,
      played: s.peers.filter((p) => p.played).length,
      left: s.peers.filter((p) => p.outcome === 'left').length,
      chargedSeats: row?.chargedSeats ?? 0,
      chargedMinor: row?.chargedMinor ?? 0,
      deletionHeld: deletion.length === 0,
      problems: [...seatProblems(s, store), ...chargeProblems(s, store), ...deletion],
    };
  });
}
