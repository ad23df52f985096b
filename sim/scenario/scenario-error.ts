/**
 * A refusal of a scenario (or regressions) file, naming the file, the line and the field, so
 * a QA lead can fix the YAML without reading code. Every problem found is listed, not just the
 * first, so one edit fixes them all; the first one also fills the FairwayError fields.
 */
import { FairwayError, type ErrorKind } from '../../sdk/errors.js';

export interface ScenarioProblem {
  kind: ErrorKind;
  /** Dotted path of the field (`fleet.0.radio.latencyMsMean`); absent for a whole-file problem. */
  field?: string;
  /** 1-based line in the file; absent when the file could not be read. */
  line?: number;
  detail: string;
}

export class ScenarioError extends FairwayError {
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly detail: string;

  constructor(
    readonly file: string,
    readonly problems: readonly [ScenarioProblem, ...ScenarioProblem[]],
  ) {
    const first = problems[0];
    super(first.kind, first.detail, first.field);
    this.line = first.line;
    this.field = first.field;
    this.detail = first.detail;
    this.message = problems.map((p) => describeProblem(file, p)).join('\n');
  }
}

/** `file:line: field: detail`, the shape compilers print, which editors turn into links. */
export function describeProblem(file: string, p: ScenarioProblem): string {
  return `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field ? `${p.field}: ` : ''}${p.detail}`;
}
