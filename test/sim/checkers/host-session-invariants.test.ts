/**
 * The host-session checkers can fail: each is fed a session that held, then the same session
 * broken the way its invariant forbids (seats over N, a mode charged wrongly, a peer that kept
 * the part), and must say so.
 */
import { describe, expect, it } from 'vitest';
import { hostChargesInvariant, hostDeletionInvariant, hostSeatsInvariant } from '../../../sim/checkers/host-session-invariants.js';
import type { StoreLicence } from '../../../sim/checkers/store-licences.js';
import type { HostSessionFacts, PeerFacts } from '../../../sim/fleet/host-session-facts.js';

const FOOT = { flashBytes: 0, blobs: [], reservedBytes: 0 };

function peer(id: string, over: Partial<PeerFacts> = {}): PeerFacts {
  return { id, offline: false, joinAtMs: 0, leaveAtFraction: null, joined: true, seat: 1, outcome: 'received', played: false, refusal: null, endReason: 'host-ended', baseline: FOOT, after: FOOT, hostedPartsLeft: [], restarted: false, heldAtCut: null, ...over };
}

function session(over: Partial<HostSessionFacts> = {}): HostSessionFacts {
  return {
    index: 0,
    title: 'super-golf',
    host: 'hh-1',
    part: 'golf-h01',
    billing: 'per-reception',
    seats: 2,
    seatPriceMinor: 120,
    licenceId: 'aa',
    totalMinor: 240,
    seated: ['p1', 'p2'],
    refusedSeatsFull: ['p3'],
    noticed: ['p1', 'p2'],
    ended: true,
    relayedOnline: true,
    pendingNotices: 0,
    error: null,
    peers: [peer('p1'), peer('p2'), peer('p3', { seat: null, outcome: 'refused', endReason: 'failed' })],
    ...over,
  };
}

function licence(over: Partial<StoreLicence> = {}): StoreLicence {
  return { licenceId: 'aa', billing: 'per-reception', seats: 2, seatPriceMinor: 120, state: 'charged', chargedSeats: 2, seatRows: ['p1', 'p2'], licenceTxns: 0, seatTxns: 2, chargedMinor: 240, ...over };
}

const UPFRONT = licence({ billing: 'upfront', seatRows: [], seatTxns: 0, licenceTxns: 1, chargedSeats: 2, chargedMinor: 240 });

describe('the host-session checkers', () => {
  it('hold for a session that kept every rule, in both billing modes', () => {
    expect(hostSeatsInvariant([session()], [licence()]).held).toBe(true);
    expect(hostChargesInvariant([session()], [licence()]).held).toBe(true);
    expect(hostChargesInvariant([session({ billing: 'upfront', noticed: ['p1'] })], [UPFRONT]).held).toBe(true);
    expect(hostDeletionInvariant([session()]).held).toBe(true);
  });

  it('seats: fail when the host seated more distinct peers than N, or the store charged more seats than N', () => {
    expect(hostSeatsInvariant([session({ seated: ['p1', 'p2', 'p3'] })], [licence()])).toMatchObject({ held: false, detail: expect.stringContaining('seated 3 distinct peers on 2 seats') });
    expect(hostSeatsInvariant([session()], [licence({ chargedSeats: 3 })]).held).toBe(false);
    expect(hostSeatsInvariant([session()], [licence({ seatRows: ['p1', 'p2', 'p3'] })]).held).toBe(false);
    expect(hostSeatsInvariant([session()], []).detail).toContain('the store has no licence aa');
  });

  it('charges, upfront: fail on a second licence charge, a seat charge, or an amount other than N × price', () => {
    const s = session({ billing: 'upfront' });
    expect(hostChargesInvariant([s], [{ ...UPFRONT, licenceTxns: 2 }]).detail).toContain('2 licence charges, wanted exactly 1');
    expect(hostChargesInvariant([s], [{ ...UPFRONT, seatTxns: 1, seatRows: ['p1'] }]).held).toBe(false);
    expect(hostChargesInvariant([s], [{ ...UPFRONT, chargedMinor: 120 }]).detail).toContain('wanted 2 × 120 = 240');
    expect(hostChargesInvariant([s], [{ ...UPFRONT, licenceTxns: 0, chargedMinor: 0, chargedSeats: 0 }]).held).toBe(false);
  });

  it('charges, per reception: fail when a reception relayed online went uncharged, a peer without a notice was charged, or the licence was charged whole', () => {
    expect(hostChargesInvariant([session()], [licence({ seatRows: ['p1'], seatTxns: 1, chargedSeats: 1, chargedMinor: 120 })]).detail).toContain('1 seats charged, wanted min(2 seats, 2 receptions) = 2');
    expect(hostChargesInvariant([session({ noticed: ['p1'] })], [licence()]).detail).toContain('peers whose notice the host never kept: p2');
    expect(hostChargesInvariant([session()], [licence({ licenceTxns: 1 })]).held).toBe(false);
    expect(hostChargesInvariant([session()], [licence({ chargedMinor: 360 })]).held).toBe(false);
  });

  it('charges, per reception: allow fewer seats while notices still wait on a host that was offline, never more', () => {
    const waiting = session({ relayedOnline: false, pendingNotices: 1 });
    expect(hostChargesInvariant([waiting], [licence({ seatRows: ['p1'], seatTxns: 1, chargedSeats: 1, chargedMinor: 120 })]).held).toBe(true);
    expect(hostChargesInvariant([session({ relayedOnline: false, noticed: ['p1'] })], [licence({ seatRows: ['p1'], seatTxns: 1, chargedSeats: 1, chargedMinor: 120 })]).held).toBe(true);
  });

  it('charges: fail when the session never ran or got no licence', () => {
    expect(hostChargesInvariant([session({ error: 'the host could not buy golf-h01' })], [licence()]).detail).toContain('did not run');
    expect(hostChargesInvariant([session({ licenceId: null })], []).detail).toContain('no licence');
  });

  it('deletion: fail when a peer still holds the part, its footprint grew, it was never measured, or the session never ended', () => {
    expect(hostDeletionInvariant([session({ peers: [peer('p1', { hostedPartsLeft: ['golf-h01'] })] })]).detail).toContain('p1: still holds golf-h01');
    expect(hostDeletionInvariant([session({ peers: [peer('p1', { after: { flashBytes: 4096, blobs: ['s0.data'], reservedBytes: 4096 } })] })]).detail).toContain('p1: footprint 4096 B');
    expect(hostDeletionInvariant([session({ peers: [peer('p1', { after: null })] })]).detail).toContain('not measured');
    expect(hostDeletionInvariant([session({ peers: [peer('p1', { endReason: null })] })]).detail).toContain('never ended');
    expect(hostDeletionInvariant([session({ ended: false })]).detail).toContain('the host never ended the session');
  });
});
