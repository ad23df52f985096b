/** Reports of a simulation run: the summary figures, the terminal table, JSON Lines, and the report folder (JSON, HTML, JUnit). */
export type { RunResult, HostSessionResult, TerminalSummary, TimelinePoint, ChargeRecord, InvariantOutcome } from './run-result.js';
export { summarise, summariseByPreset, type RunSummary, type Distribution } from './summarise.js';
export { percentile } from './percentile.js';
export { checkExpectations, type ExpectationOutcome } from './expectations.js';
export { judgeRun, type Verdict } from './verdict.js';
export { formatSummaryTable, toJsonLines, type TableOptions } from './summary-table.js';
export { writeReport, type ReportOptions, type WrittenReport } from './write-report.js';
export { renderReportHtml, TERMINAL_ROWS_MAX } from './html-report.js';
export { renderJunit } from './junit.js';
export { formatBitsPerS, formatCount, formatDuration, formatRatio, formatSI } from './format.js';
