/**
 * The summary as (figure, value) rows, worded once for both the terminal table and the HTML
 * page, so the two always say the same thing.
 */
import { formatCount, formatDuration, formatRatio } from './format.js';
import type { RunSummary } from './summarise.js';

export function summaryRows(s: RunSummary): [figure: string, value: string][] {
  return [
    ['terminals', formatCount(s.terminals)],
    ['time to first play', `p50 ${formatDuration(s.ttfpMs.p50)} · p95 ${formatDuration(s.ttfpMs.p95)} · max ${formatDuration(s.ttfpMs.max)} (${s.ttfpMs.count} of ${s.terminals} played)`],
    ['whole title', `p50 ${formatDuration(s.wholeTitleMs.p50)} · p95 ${formatDuration(s.wholeTitleMs.p95)} (${s.wholeTitleMs.count} of ${s.terminals} got one whole)`],
    ['ttfp ÷ whole title', `${formatRatio(s.ttfpToWholeTitle)} (median per terminal)`],
    ['goodput ÷ link rate', formatRatio(s.goodputRatio)],
    ['parts bought', formatCount(s.partsBought)],
    ['titles finished', formatCount(s.titlesFinished)],
    ['charges', `${formatCount(s.charges.count)} (${formatCount(s.charges.sumMinor)} minor units)`],
    ['top-ups', formatCount(s.topUps)],
    ['drops', formatCount(s.drops)],
    ['power losses', formatCount(s.powerLosses)],
    ...hostSessionRows(s),
    ['invariants', `${s.invariants.held} of ${s.invariants.total} held`],
  ];
}

function hostSessionRows(s: RunSummary): [string, string][] {
  const h = s.hostSessions;
  if (!h) return [];
  return [
    ['host sessions', `${formatCount(h.sessions)} · seats used ${formatCount(h.seated)} of ${formatCount(h.seats)} · ${formatCount(h.refused)} refused seats-full · ${formatCount(h.received)} received · ${formatCount(h.played)} played`],
    ['seat charges', h.byMode.map((m) => `${m.billing} ${formatCount(m.chargedSeats)} seats (${formatCount(m.chargedMinor)} minor units)`).join(' · ')],
    ['deletion after session', `held in ${formatCount(h.deletionHeld)} of ${formatCount(h.sessions)} sessions`],
  ];
}
