import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../../../sim/report/html-report.js';
import { renderJunit } from '../../../sim/report/junit.js';
import type { RunResult } from '../../../sim/report/run-result.js';
import { judgeRun } from '../../../sim/report/verdict.js';
import { writeReport } from '../../../sim/report/write-report.js';
import { fuzzRuns, seed } from '../../support/seed.js';
import { exampleResult, terminal } from './support/run-results.js';
import { allAttributes, findAll, parseXml, textOf, type XmlElement } from './support/xml-tree.js';

const root = await mkdtemp(join(tmpdir(), 'fairway-report-'));
afterAll(() => rm(root, { recursive: true, force: true }));
let reports = 0;

async function report(result: RunResult, expect: Parameters<typeof writeReport>[2] = {}) {
  const dir = join(root, `report-${++reports}`);
  const written = await writeReport(dir, result, expect);
  return {
    written,
    json: await readFile(written.files.json, 'utf8'),
    html: await readFile(written.files.html, 'utf8'),
    junit: await readFile(written.files.junit, 'utf8'),
  };
}

const HOSTILE_ID = `<img src="http://evil.example/x.png" onerror='alert(1)'>&amp;`;

function failures(junit: XmlElement): XmlElement[] {
  return findAll(junit, 'failure');
}

describe('the report folder', () => {
  it('holds result.json, which reads back as the RunResult the runner gave', async () => {
    const result = exampleResult();
    const { json, written } = await report(result);
    expect(JSON.parse(json)).toEqual(result);
    expect(Object.values(written.files).map((f) => f.slice(f.lastIndexOf('/') + 1))).toEqual(['result.json', 'index.html', 'junit.xml']);
  });

  it('says whether the run passed', async () => {
    expect((await report(exampleResult())).written.passed).toBe(true);
    expect((await report(exampleResult(), { expect: { minTitlesFinished: 5 } })).written.passed).toBe(false);
  });
});

describe('index.html', () => {
  it('is one self-contained, well-formed page: no script, no external style, font, image or link', async () => {
    const { html } = await report(exampleResult());
    const page = parseXml(html);
    expect(page.name).toBe('html');
    expect(findAll(page, 'script')).toEqual([]);
    expect(findAll(page, 'link')).toEqual([]);
    expect(findAll(page, 'img')).toEqual([]);
    for (const [element, name, value] of allAttributes(page)) {
      if (['src', 'href', 'xlink:href', 'action', 'srcset'].includes(name)) expect.fail(`<${element} ${name}="${value}"> reaches outside the page`);
    }
    expect(html).not.toMatch(/https?:\/\//);
    const style = findAll(page, 'style').map(textOf).join('');
    expect(style).not.toMatch(/url\(|@import/);
  });

  it('draws each chart as inline SVG: ttfp histogram, goodput, drops and cumulative charges', async () => {
    const { html } = await report(exampleResult());
    const svgs = findAll(parseXml(html), 'svg');
    expect(svgs.map((svg) => textOf(findAll(svg, 'title')[0]!))).toEqual(['Time to first play', 'Fleet goodput over time', 'Link drops over time', 'Charges over time (cumulative)']);
    const [histogram, goodput, drops, charges] = svgs;
    // 20 played: the histogram's bars hold all of them (each bar's tooltip ends "<n> terminals").
    const counts = findAll(histogram!, 'rect').map((r) => Number(/: (\d+) terminals$/.exec(textOf(r))![1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(20);
    expect(findAll(goodput!, 'polyline')[0]!.attributes.points!.split(' ')).toHaveLength(30);
    expect(findAll(drops!, 'rect')).toHaveLength(10);
    expect(findAll(charges!, 'path')[0]!.attributes.d!.match(/V/g)).toHaveLength(40);
  });

  it('shows the seed, the reproduce command, the trace hash, the summary and the invariants', async () => {
    const result = exampleResult({ invariants: [{ name: 'charged exactly once', held: false, detail: 'terminal t05 charged twice for golf-h02' }] });
    const text = textOf(parseXml((await report(result)).html));
    expect(text).toContain('seed 42');
    expect(text).toContain(result.reproduce);
    expect(text).toContain(result.traceHash);
    expect(text).toContain('p50 10.0 s · p95 19.0 s · max 20.0 s (20 of 21 played)');
    expect(text).toContain('terminal t05 charged twice for golf-h02');
    expect(text).toContain('FAILED');
  });

  it('escapes terminal ids, so an id can never become markup', async () => {
    const result = exampleResult({ terminals: [terminal(HOSTILE_ID, { state: '<b>failed.x</b>' }), ...exampleResult().terminals] });
    const { html } = await report(result);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    const page = parseXml(html);
    const cells = findAll(page, 'td').map(textOf);
    expect(cells).toContain(HOSTILE_ID);
    expect(cells).toContain('<b>failed.x</b>');
  });

  it('still renders a run where nothing happened, with “no data” in each chart', async () => {
    const { html } = await report(exampleResult({ terminals: [], timeline: [], charges: [], invariants: [] }));
    const page = parseXml(html);
    const svgs = findAll(page, 'svg');
    expect(svgs).toHaveLength(4);
    for (const svg of svgs) expect(textOf(svg)).toContain('no data');
    expect(textOf(page)).toContain('No invariant was checked');
  });

  it('lists at most the first 5,000 terminals and points at result.json for the rest', () => {
    const many = Array.from({ length: 5_003 }, (_, i) => terminal(`t${i}`));
    const html = renderReportHtml(exampleResult({ terminals: many }), judgeRun(exampleResult({ terminals: many })));
    const terminalTable = findAll(parseXml(html), 'table').at(-1)!;
    expect(findAll(terminalTable, 'tr')).toHaveLength(5_001);
    expect(html).toContain('The first 5000 of 5003; every terminal is in result.json.');
  });
});

describe('junit.xml', () => {
  it('is well-formed, with one test case per invariant and per expect criterion', async () => {
    const { junit } = await report(exampleResult(), { expect: { minPartsBought: 10, ttfpMsP95Max: 60_000 } });
    const doc = parseXml(junit);
    expect(doc.name).toBe('testsuites');
    const [suite] = findAll(doc, 'testsuite');
    const cases = findAll(doc, 'testcase');
    expect(cases.map((c) => [c.attributes.classname, c.attributes.name])).toEqual([
      ['sim.example.seed-42.invariant', 'charged exactly once'],
      ['sim.example.seed-42.invariant', 'balances never negative'],
      ['sim.example.seed-42.invariant', 'storage within limit'],
      ['sim.example.seed-42.expect', 'minPartsBought'],
      ['sim.example.seed-42.expect', 'ttfpMsP95Max'],
    ]);
    expect(suite!.attributes).toMatchObject({ tests: '5', failures: '0', errors: '0' });
    expect(failures(doc)).toEqual([]);
  });

  it('has one failure per failed invariant and missed criterion, carrying the detail and the reproduce command', async () => {
    const result = exampleResult({
      invariants: [
        { name: 'charged exactly once', held: false, detail: 'terminal t05 charged twice for golf-h02' },
        { name: 'storage within limit', held: true },
        { name: 'hashes match the manifest', held: false, detail: 'golf-h03 chunk 7 stored with a bad hash' },
      ],
    });
    const doc = parseXml((await report(result, { expect: { minTitlesFinished: 5 } })).junit);
    const failed = failures(doc);
    expect(failed.map((f) => f.attributes.message)).toEqual(['terminal t05 charged twice for golf-h02', 'golf-h03 chunk 7 stored with a bad hash', 'titles finished 4; wanted ≥ 5']);
    for (const f of failed) expect(textOf(f)).toContain(`reproduce: ${result.reproduce}`);
    expect(findAll(doc, 'testsuite')[0]!.attributes.failures).toBe('3');
    expect(findAll(doc, 'property').map((p) => [p.attributes.name, p.attributes.value])).toEqual(
      expect.arrayContaining([
        ['seed', '42'],
        ['reproduce', result.reproduce],
      ]),
    );
  });

  it('fails when no invariant was checked at all', async () => {
    const doc = parseXml((await report(exampleResult({ invariants: [] }))).junit);
    expect(failures(doc).map((f) => f.attributes.message)).toEqual(['the run reported no invariant outcome']);
  });

  it('escapes details that look like XML, quotes, CDATA ends and control characters', async () => {
    const detail = `a < b && c > d "q" 'a' ]]> <!-- \u0000\u0007 end\ttab\r\nnext`;
    const doc = parseXml((await report(exampleResult({ invariants: [{ name: '<inv & "1">', held: false, detail }] }))).junit);
    const [failure] = failures(doc);
    const expected = detail.replace(/[\u0000\u0007]/g, '\uFFFD');
    expect(failure!.attributes.message).toBe(expected);
    expect(textOf(failure!).startsWith(expected)).toBe(true);
    expect(findAll(doc, 'testcase')[0]!.attributes.name).toBe('<inv & "1">');
  });

  it(`stays well-formed and keeps every string, whatever the run’s ids and details hold (seed ${seed})`, () => {
    const anyText = fc.string({ unit: 'binary', maxLength: 30 });
    fc.assert(
      fc.property(anyText, anyText, anyText, (id, name, detail) => {
        const result = exampleResult({ scenario: name, terminals: [terminal(id)], invariants: [{ name, held: false, detail }] });
        const verdict = judgeRun(result);
        const clean = (s: string) => s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD');
        const doc = parseXml(renderJunit(result, verdict));
        expect(findAll(doc, 'testcase')[0]!.attributes.name).toBe(clean(name));
        expect(findAll(doc, 'failure')[0]!.attributes.message).toBe(clean(detail) || `${clean(name)} failed`);
        const page = parseXml(renderReportHtml(result, verdict));
        expect(findAll(page, 'td').map(textOf)).toContain(clean(id));
      }),
      { seed, numRuns: Math.min(fuzzRuns, 200) },
    );
  });
});
