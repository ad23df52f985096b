/**
 * Integers come back as JS numbers on both databases, and a value a number cannot hold
 * exactly is an error, never a silent rounding: money is compared to the minor unit.
 *
 * - PostgreSQL sends int8 (bigint, count(*)) and numeric (sum of bigints) as text; the
 *   parsers below turn them into numbers and throw past 2^53.
 * - SQLite (better-sqlite3 in safe-integer mode) returns every INTEGER as a BigInt; the
 *   Kysely plugin below turns each one into a number with the same check.
 */
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';

export class UnsafeIntegerError extends RangeError {
  override readonly name = 'UnsafeIntegerError';
  constructor(readonly text: string) {
    super(`database returned ${text}, which a JS number cannot hold exactly (|n| > 2^53 − 1)`);
  }
}

/** pg type parser for int8 (OID 20). */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new UnsafeIntegerError(text);
  return n;
}

/**
 * pg type parser for numeric (OID 1700). The store only ever gets numerics from sum() over
 * integer columns; a fraction means a query this layer was not written for, so it is refused
 * loudly rather than returned as a float or a string.
 */
export function parseIntegralNumeric(text: string): number {
  if (!/^-?[0-9]+$/.test(text)) throw new RangeError(`database returned the non-integral numeric ${text}; cast it in SQL`);
  return parseInt8(text);
}

export function bigintToNumber(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new UnsafeIntegerError(value.toString());
  }
  return Number(value);
}

/** For SQLite in safe-integer mode: every BigInt in every result row becomes a checked number. */
export class SafeIntegerPlugin implements KyselyPlugin {
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const { result } = args;
    if (result.rows.length === 0) return result;
    return { ...result, rows: result.rows.map(convertRow) };
  }
}

function convertRow(row: UnknownRow): UnknownRow {
  let converted: UnknownRow | undefined;
  for (const key of Object.keys(row)) {
    const value = row[key];
    if (typeof value === 'bigint') {
      converted ??= { ...row };
      converted[key] = bigintToNumber(value);
    }
  }
  return converted ?? row;
}
