/**
 * The figures a run is judged by, computed from the RunResult alone: time to first play and
 * whole-title time (p50/p95/max), how much sooner play starts than the whole title would
 * arrive, goodput against the link's rate, and the counts (parts, titles, charges, top-ups,
 * drops, power losses, invariants). The summary table, the HTML page, the JSON lines and the
 * `expect` criteria all read these, so they agree with one another.
 */
import { percentile } from './percentile.js';
import type { HostSessionResult, RunResult, TerminalSummary } from './run-result.js';

export interface Distribution {
  /** Terminals that have a value (the rest never got there). */
  count: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface RunSummary {
  terminals: number;
  ttfpMs: Distribution;
  wholeTitleMs: Distribution;
  /** Median over terminals with both times of ttfp ÷ whole-title time (each on its own link); null if none has both. */
  ttfpToWholeTitle: number | null;
  /** Payload bits received ÷ the bits the links could carry while up and in transfer (Σ bits ÷ Σ rate × up-time); null if no link was up. */
  goodputRatio: number | null;
  partsBought: number;
  titlesFinished: number;
  charges: { count: number; sumMinor: number };
  topUps: number;
  drops: number;
  powerLosses: number;
  invariants: { total: number; held: number; failed: string[] };
  /** True when every invariant held (and there was at least one to check). */
  invariantsHeld: boolean;
  /** Host sessions, when the run had any (whole-run summary only, not per preset). */
  hostSessions?: HostSessionsSummary;
}

export interface HostSessionsSummary {
  sessions: number;
  seats: number;
  seated: number;
  refused: number;
  received: number;
  played: number;
  /** Seat charges per billing mode, in the order the modes first appear. */
  byMode: { billing: string; sessions: number; chargedSeats: number; chargedMinor: number }[];
  /** Sessions whose every peer deleted the part. */
  deletionHeld: number;
}

export function summarise(result: RunResult): RunSummary {
  const summary = summariseTerminals(result.terminals, result);
  const sessions = result.hostSessions ?? [];
  return sessions.length === 0 ? summary : { ...summary, hostSessions: summariseHostSessions(sessions) };
}

export function summariseHostSessions(sessions: readonly HostSessionResult[]): HostSessionsSummary {
  const byMode = new Map<string, HostSessionsSummary['byMode'][number]>();
  for (const s of sessions) {
    const billing = s.billing ?? 'no licence';
    const mode = byMode.get(billing) ?? { billing, sessions: 0, chargedSeats: 0, chargedMinor: 0 };
    mode.sessions++;
    mode.chargedSeats += s.chargedSeats;
    mode.chargedMinor += s.chargedMinor;
    byMode.set(billing, mode);
  }
  return {
    sessions: sessions.length,
    seats: sum(sessions, (s) => s.seats),
    seated: sum(sessions, (s) => s.seated),
    refused: sum(sessions, (s) => s.refused),
    received: sum(sessions, (s) => s.received),
    played: sum(sessions, (s) => s.played ?? 0),
    byMode: [...byMode.values()],
    deletionHeld: sessions.filter((s) => s.deletionHeld).length,
  };
}

/** One summary per radio preset, in the order the presets first appear in the fleet. */
export function summariseByPreset(result: RunResult): { preset: string; summary: RunSummary }[] {
  const groups = new Map<string, TerminalSummary[]>();
  for (const t of result.terminals) {
    const group = groups.get(t.preset);
    if (group) group.push(t);
    else groups.set(t.preset, [t]);
  }
  return [...groups].map(([preset, terminals]) => ({ preset, summary: summariseTerminals(terminals, result) }));
}

function summariseTerminals(terminals: readonly TerminalSummary[], result: RunResult): RunSummary {
  const ids = new Set(terminals.map((t) => t.id));
  const charges = result.charges.filter((c) => ids.has(c.terminal));
  const ratios = terminals.flatMap((t) => (t.ttfpMs !== null && t.wholeTitleMs !== null && t.wholeTitleMs > 0 ? [t.ttfpMs / t.wholeTitleMs] : []));
  const capacityBits = sum(terminals, (t) => (t.linkBitsPerS * t.linkUpMs) / 1000);
  const failed = result.invariants.filter((i) => !i.held).map((i) => i.name);
  return {
    terminals: terminals.length,
    ttfpMs: distribution(terminals.flatMap((t) => (t.ttfpMs === null ? [] : [t.ttfpMs]))),
    wholeTitleMs: distribution(terminals.flatMap((t) => (t.wholeTitleMs === null ? [] : [t.wholeTitleMs]))),
    ttfpToWholeTitle: percentile(ratios, 50),
    goodputRatio: capacityBits > 0 ? (sum(terminals, (t) => t.bytesReceived) * 8) / capacityBits : null,
    partsBought: sum(terminals, (t) => t.partsBought),
    titlesFinished: sum(terminals, (t) => t.titlesFinished),
    charges: { count: charges.length, sumMinor: sum(charges, (c) => c.priceMinor) },
    topUps: sum(terminals, (t) => t.topUps),
    drops: sum(terminals, (t) => t.drops),
    powerLosses: sum(terminals, (t) => t.powerLosses),
    invariants: { total: result.invariants.length, held: result.invariants.length - failed.length, failed },
    invariantsHeld: result.invariants.length > 0 && failed.length === 0,
  };
}

function distribution(values: readonly number[]): Distribution {
  return { count: values.length, p50: percentile(values, 50), p95: percentile(values, 95), max: percentile(values, 100) };
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  return items.reduce((total, item) => total + of(item), 0);
}
