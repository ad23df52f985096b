/**
 * The host-session invariants (seed 000; [FW-13, FW-14]), apart from the driver: each reads
 * what the driver recorded (HostSessionFacts) and what the store's database holds
 * (StoreLicence), and answers in the shape of the other invariants, so the report, the exit
 * code and junit.xml pick them up. `…Problems` give the same findings per session, for the
 * report's per-session lines.
 *
 * - seats: per licence, the distinct peers the host seated ≤ N, and the seats the store
 *   charged ≤ N (the row's count and its seat rows);
 * - charges per mode: `upfront` — one charge of exactly N × seat price, no seat charges;
 *   `per-reception` — no licence charge; every charged seat is a peer whose notice the host
 *   kept; charged seats = min(N, peers whose notice the host kept) once the host's relay has
 *   run while online and nothing is left to relay (≤ while notices still wait on the host);
 * - deletion (claims 2, 9) — after the session every peer that joined holds no hosted part and
 *   its footprint is back to what it was before it joined.
 */
import type { HostSessionFacts } from '../fleet/host-session-facts.js';
import { sameFootprint } from '../fleet/peer-footprint.js';
import type { InvariantResult } from './invariants.js';
import type { StoreLicence } from './store-licences.js';

export const HOST_SEATS_INVARIANT = 'host sessions: seats seated and charged ≤ the licence';
export const HOST_CHARGES_INVARIANT = 'host sessions: seats charged as the billing mode says';
export const HOST_DELETION_INVARIANT = 'host sessions: peers delete the part after the session';

type StoreView = ReadonlyMap<string, StoreLicence> | readonly StoreLicence[];

function lookup(store: StoreView, id: string): StoreLicence | undefined {
  return Array.isArray(store) ? (store as readonly StoreLicence[]).find((l) => l.licenceId === id) : (store as ReadonlyMap<string, StoreLicence>).get(id);
}

function label(s: HostSessionFacts): string {
  return `session ${s.index + 1} (${s.title}, host ${s.host})`;
}

export function seatProblems(s: HostSessionFacts, store: StoreView): string[] {
  const problems: string[] = [];
  const seated = new Set(s.seated);
  if (seated.size > s.seats) problems.push(`the host seated ${seated.size} distinct peers on ${s.seats} seats`);
  if (s.licenceId === null) return problems;
  const row = lookup(store, s.licenceId);
  if (!row) return [...problems, `the store has no licence ${s.licenceId}`];
  if (row.seats !== s.seats) problems.push(`the store's licence has ${row.seats} seats, the host asked for ${s.seats}`);
  if (row.chargedSeats > row.seats) problems.push(`the store charged ${row.chargedSeats} seats of ${row.seats}`);
  if (new Set(row.seatRows).size > row.seats) problems.push(`${new Set(row.seatRows).size} peers have a seat charge on ${row.seats} seats`);
  return problems;
}

export function chargeProblems(s: HostSessionFacts, store: StoreView): string[] {
  if (s.error !== null) return [`the session did not run: ${s.error}`];
  if (s.licenceId === null) return ['the host got no licence'];
  const row = lookup(store, s.licenceId);
  if (!row) return [`the store has no licence ${s.licenceId}`];
  const problems: string[] = [];
  if (row.billing === 'upfront') {
    const total = row.seats * row.seatPriceMinor;
    if (row.licenceTxns !== 1) problems.push(`upfront: ${row.licenceTxns} licence charges, wanted exactly 1`);
    if (row.seatTxns > 0 || row.seatRows.length > 0) problems.push(`upfront: ${row.seatTxns} seat charges, wanted none`);
    if (row.chargedMinor !== total) problems.push(`upfront: charged ${row.chargedMinor}, wanted ${row.seats} × ${row.seatPriceMinor} = ${total}`);
    if (row.chargedSeats !== row.seats) problems.push(`upfront: ${row.chargedSeats} seats marked charged of ${row.seats}`);
  } else {
    const noticed = new Set(s.noticed);
    const charged = new Set(row.seatRows);
    if (row.licenceTxns > 0) problems.push(`per-reception: ${row.licenceTxns} whole-licence charges, wanted none`);
    if (row.seatTxns !== charged.size || row.chargedSeats !== charged.size) problems.push(`per-reception: ${row.seatTxns} seat transactions, ${charged.size} seat rows, ${row.chargedSeats} counted: they must agree`);
    if (row.chargedMinor !== charged.size * row.seatPriceMinor) problems.push(`per-reception: charged ${row.chargedMinor}, wanted ${charged.size} × ${row.seatPriceMinor}`);
    const stranger = [...charged].filter((peer) => !noticed.has(peer));
    if (stranger.length > 0) problems.push(`per-reception: seats charged for peers whose notice the host never kept: ${stranger.join(', ')}`);
    const wanted = Math.min(row.seats, noticed.size);
    const settled = s.relayedOnline && s.pendingNotices === 0;
    if (settled && charged.size !== wanted) problems.push(`per-reception: ${charged.size} seats charged, wanted min(${row.seats} seats, ${noticed.size} receptions) = ${wanted} (the host relayed online)`);
    if (!settled && charged.size > wanted) problems.push(`per-reception: ${charged.size} seats charged, more than min(${row.seats}, ${noticed.size}) = ${wanted}`);
  }
  return problems;
}

export function deletionProblems(s: HostSessionFacts): string[] {
  const problems: string[] = [];
  const joined = s.peers.filter((p) => p.joined);
  if (joined.length > 0 && !s.ended && s.error === null) problems.push('the host never ended the session');
  for (const p of joined) {
    if (p.endReason === null && !p.restarted) problems.push(`${p.id}: its session never ended`);
    if (p.hostedPartsLeft.length > 0) problems.push(`${p.id}: still holds ${p.hostedPartsLeft.join(', ')}`);
    if (!p.baseline || !p.after) problems.push(`${p.id}: footprint not measured`);
    else if (!sameFootprint(p.baseline, p.after)) {
      problems.push(`${p.id}: footprint ${p.after.flashBytes} B in ${p.after.blobs.length} blobs, ${p.after.reservedBytes} B reserved; before joining ${p.baseline.flashBytes} B in ${p.baseline.blobs.length} blobs, ${p.baseline.reservedBytes} B reserved`);
    }
  }
  return problems;
}

function outcome(name: string, sessions: readonly HostSessionFacts[], problemsOf: (s: HostSessionFacts) => string[], checked: string): InvariantResult {
  const found = sessions.flatMap((s) => problemsOf(s).map((p) => `${label(s)}: ${p}`));
  return { name, held: found.length === 0, detail: found.length > 0 ? found.slice(0, 8).join('; ') : checked };
}

export function hostSeatsInvariant(sessions: readonly HostSessionFacts[], store: StoreView): InvariantResult {
  return outcome(HOST_SEATS_INVARIANT, sessions, (s) => seatProblems(s, store), `${sessions.length} sessions checked`);
}

export function hostChargesInvariant(sessions: readonly HostSessionFacts[], store: StoreView): InvariantResult {
  return outcome(HOST_CHARGES_INVARIANT, sessions, (s) => chargeProblems(s, store), `${sessions.length} sessions checked`);
}

export function hostDeletionInvariant(sessions: readonly HostSessionFacts[]): InvariantResult {
  const peers = sessions.reduce((n, s) => n + s.peers.filter((p) => p.joined).length, 0);
  return outcome(HOST_DELETION_INVARIANT, sessions, deletionProblems, `${peers} peers checked`);
}
