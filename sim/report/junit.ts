/**
 * junit.xml for QA's CI: one test suite per run, one test case per invariant, per `expect`
 * criterion and per host session. A failure carries the detail and the command that reproduces the run, so the red
 * line in CI is enough to start debugging. Escaped for XML 1.0, so any detail text is safe.
 */
import type { RunResult } from './run-result.js';
import type { Verdict } from './verdict.js';
import { escapeAttribute as attr, escapeText as text } from './xml-escape.js';

interface Case {
  classname: string;
  name: string;
  held: boolean;
  detail: string;
}

export function renderJunit(result: RunResult, verdict: Verdict): string {
  const cases: Case[] = [
    ...result.invariants.map((i) => ({ classname: 'invariant', name: i.name, held: i.held, detail: i.detail ?? '' })),
    ...verdict.expectations.map((e) => ({ classname: 'expect', name: e.name, held: e.held, detail: e.detail ?? '' })),
    ...(result.hostSessions ?? []).map((h, i) => ({
      classname: 'host-session',
      name: `session ${i + 1}: ${h.title} (${h.billing ?? 'no licence'}, ${h.seats} seats)`,
      held: h.problems.length === 0,
      detail: h.problems.length === 0 ? `seated ${h.seated}, refused ${h.refused}, received ${h.received}, charged ${h.chargedSeats} seats (${h.chargedMinor})` : h.problems.join('; '),
    })),
  ];
  if (result.invariants.length === 0) cases.push({ classname: 'invariant', name: 'invariants were checked', held: false, detail: 'the run reported no invariant outcome' });
  const failures = cases.filter((c) => !c.held).length;
  const suiteName = `sim.${result.scenario}.seed-${result.seed}`;
  const seconds = (result.wallMs / 1_000).toFixed(3);
  const testcases = cases.map((c) => {
    const open = `  <testcase classname="${attr(`${suiteName}.${c.classname}`)}" name="${attr(c.name)}" time="0"`;
    if (c.held) return `${open}/>`;
    const body = `${c.detail}\n\nreproduce: ${result.reproduce}`;
    return `${open}>\n    <failure message="${attr(c.detail || `${c.name} failed`)}" type="${attr(c.classname)}">${text(body)}</failure>\n  </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fairway sim" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    ` <testsuite name="${attr(suiteName)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${attr(result.startedAt)}">`,
    '  <properties>',
    `   <property name="scenario" value="${attr(result.scenario)}"/>`,
    `   <property name="seed" value="${result.seed}"/>`,
    `   <property name="virtualMs" value="${result.virtualMs}"/>`,
    `   <property name="traceHash" value="${attr(result.traceHash)}"/>`,
    `   <property name="reproduce" value="${attr(result.reproduce)}"/>`,
    '  </properties>',
    ...testcases,
    `  <system-out>${text(`reproduce: ${result.reproduce}`)}</system-out>`,
    ' </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
