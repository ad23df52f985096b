/**
 * Parses YAML (or JSON, which is YAML) and validates it with a zod schema, turning every
 * syntax error and every zod issue into a ScenarioProblem that names the line and the field —
 * the approach of broker/catalog/title-file.ts, extended to report all problems at once and
 * to word them for people who write YAML rather than TypeScript.
 */
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ScenarioError, type ScenarioProblem } from './scenario-error.js';

/** Aliases may repeat a node this many times in total; more is a "billion laughs" file. */
const ALIAS_EXPANSIONS_MAX = 1_000;

export interface ValidatedYaml<T> {
  data: T;
  /** The line of a field, for problems found after validation (a file the field names is missing). */
  lineOf(path: (string | number)[]): number;
}

export function validateYaml<S extends z.ZodType>(schema: S, text: string, file: string): ValidatedYaml<z.output<S>> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw refusal(file, doc.errors.map((e) => ({ kind: 'malformed', line: lines.linePos(e.pos[0]).line, detail: e.message.split('\n')[0] ?? 'YAML syntax error' })));
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: ALIAS_EXPANSIONS_MAX });
  } catch (e) {
    throw new ScenarioError(file, [{ kind: 'malformed', line: 1, detail: (e as Error).message }]);
  }
  const parsed = schema.safeParse(raw);
  if (parsed.success) return { data: parsed.data, lineOf: (path) => lineOf(doc, lines, path) };
  throw refusal(file, parsed.error.issues.flatMap((issue) => problemsOf(issue, raw, (path) => lineOf(doc, lines, path))));
}

function refusal(file: string, problems: ScenarioProblem[]): ScenarioError {
  const [first, ...rest] = problems;
  return new ScenarioError(file, [first ?? { kind: 'invalid-argument', line: 1, detail: 'is not valid' }, ...rest]);
}

type Path = (string | number)[];

function problemsOf(issue: z.core.$ZodIssue, raw: unknown, lineOf: (path: Path) => number): ScenarioProblem[] {
  const path: Path = issue.path.map((p) => (typeof p === 'number' ? p : String(p)));
  const at = (fieldPath: Path, kind: ScenarioProblem['kind'], detail: string): ScenarioProblem => {
    const field = fieldPath.join('.');
    return { kind, ...(field ? { field } : {}), line: lineOf(fieldPath), detail };
  };
  const value = valueAt(raw, path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...path, key], 'unknown-field', `unknown field "${key}"${issue.message.startsWith('known fields') ? ` (${issue.message})` : ''}`));
    case 'invalid_type':
      if (path.length === 0 && value == null) return [at(path, 'missing-field', 'the file is empty')];
      if (value === undefined) return [at(path, 'missing-field', 'is required')];
      if (issue.expected === 'int') return [at(path, 'wrong-type', `must be a whole number, not ${describe(value)}`)];
      if (issue.expected === 'number' && typeof value === 'number') return [at(path, 'wrong-type', `must be a finite number, not ${describe(value)}`)];
      return [at(path, 'wrong-type', `must be ${expected(issue.expected)}, not ${describe(value)}`)];
    case 'too_small':
    case 'too_big':
      return [at(path, 'out-of-range', bound(issue))];
    case 'invalid_value':
      return [at(path, 'out-of-range', issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${issue.values.map(String).join(', ')}`)];
    case 'invalid_union': {
      const discriminator = (issue as { discriminator?: string }).discriminator;
      const options = (issue as { options?: unknown[] }).options;
      if (discriminator !== undefined && options !== undefined) {
        const known = options.map(String).join(', ');
        return value === undefined
          ? [at(path, 'missing-field', `is required (one of: ${known})`)]
          : [at(path, 'out-of-range', `unknown ${discriminator} ${JSON.stringify(value)}; one of: ${known}`)];
      }
      return [at(path, 'wrong-type', issue.message)];
    }
    default:
      return [at(path, 'invalid-argument', issue.message)];
  }
}

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? (issue as z.core.$ZodIssueTooSmall).minimum : (issue as z.core.$ZodIssueTooBig).maximum);
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'array':
      return small ? `needs at least ${limit} ${limit === 1 ? 'entry' : 'entries'}` : `allows at most ${limit} entries`;
    case 'string':
      return small ? `must be at least ${limit} character${limit === 1 ? '' : 's'} long` : `must be at most ${limit} characters long`;
    default:
      return `must be ${small ? (inclusive ? '≥' : '>') : inclusive ? '≤' : '<'} ${limit}`;
  }
}

function expected(type: string): string {
  return ({ object: 'a mapping (field: value)', array: 'a list', string: 'text', number: 'a number', boolean: 'true or false' } as Record<string, string>)[type] ?? type;
}

function describe(value: unknown): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return String(value);
}

function valueAt(raw: unknown, path: Path): unknown {
  let node = raw;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** The line of the field's key (or list item), or of the nearest enclosing one that exists. */
function lineOf(doc: Document, lines: LineCounter, path: Path): number {
  let node: unknown = doc.contents;
  let line = isNode(node) && node.range ? lines.linePos(node.range[0]).line : 1;
  for (const key of path) {
    let next: unknown;
    let anchor: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(key));
      anchor = pair?.key;
      next = pair?.value;
    } else if (isSeq(node) && typeof key === 'number') {
      anchor = next = node.items[key];
    }
    if (!isNode(anchor) || !anchor.range) break;
    line = lines.linePos(anchor.range[0]).line;
    node = next;
  }
  return line;
}
