/**
 * The title file operators write (`title.yaml` in a title folder): what the title is, how it
 * is priced, and its parts in play order, each pointing at a file beside it.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { TUNABLES } from '../../sdk/config.js';
import { currency, id, utf8Text } from '../../sdk/wire/fields.js';
import { TitleCategory } from '../../sdk/wire/messages.js';
import { checkTitlePricing, parsePricingRule, PricingError, SeatRuleSchema, type PricingRule } from '../pricing/index.js';
import { CatalogError } from './catalog-error.js';

const money = z.number().int().min(0).max(1_000_000_000_000);

export const PartEntry = z.strictObject({
  id,
  /** Path of the part's bytes, relative to the title folder. */
  file: z.string().min(1).max(255).refine((f) => !f.split(/[\\/]/).includes('..') && !f.startsWith('/'), 'must stay inside the title folder'),
  /** The part's list (standard) price in minor units; the title's pricing rule works from it. */
  price: money,
});

export const TitleFile = z
  .strictObject({
    id,
    name: utf8Text(1, 256),
    provider: utf8Text(1, 256),
    creator: utf8Text(0, 256).default(''),
    category: TitleCategory,
    currency: currency.default('JPY'),
    chunkBytes: z.number().int().min(TUNABLES.chunkBytes.min).max(TUNABLES.chunkBytes.max).default(TUNABLES.chunkBytes.default),
    /** Parts after the first need the first on the device (it carries the base program). */
    requiresBase: z.boolean().default(false),
    /** The pricing rule (docs/pricing.md), checked against the parts by broker/pricing. */
    pricing: z.unknown().default({ rule: 'standard' }),
    parts: z.array(PartEntry).min(1).max(10_000),
    /** Seat licences [FW-13.7] (docs/pricing.md "Seat licences"); absent: parts cannot be hosted. */
    seats: SeatRuleSchema.optional(),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.parts.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['parts', i, 'id'], message: `part id ${p.id} appears twice` });
      seen.add(p.id);
    });
  });

export type TitleFile = Omit<z.infer<typeof TitleFile>, 'pricing'> & { pricing: PricingRule };

/** Reads and validates a title file; every refusal names the file, the field and the line. */
export async function readTitleFile(path: string): Promise<TitleFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CatalogError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) throw new CatalogError(path, syntax.message.split('\n')[0] ?? 'YAML syntax error', undefined, lines.linePos(syntax.pos[0]).line);
  const parsed = TitleFile.safeParse(doc.toJS());
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const fieldPath = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') fieldPath.push(issue.keys[0] ?? '');
    throw new CatalogError(path, issue.message, fieldPath.join('.') || undefined, lineOf(fieldPath));
  }
  try {
    const pricing = parsePricingRule(parsed.data.pricing);
    checkTitlePricing(pricing, parsed.data.parts.map((p) => p.price));
    return { ...parsed.data, pricing };
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    const fieldPath = ['pricing', ...(e.path ? e.path.split('.') : [])];
    throw new CatalogError(path, e.message.replace(/^invalid-(config|input)( at \S+)?: /, ''), fieldPath.join('.'), lineOf(fieldPath));
  }

  /** The line of the field itself, or of the nearest enclosing one that exists (a missing field). */
  function lineOf(fieldPath: string[]): number | undefined {
    for (let n = fieldPath.length; n >= 0; n--) {
      const node = doc.getIn(n === 0 ? [] : fieldPath.slice(0, n).map((k) => (/^\d+$/.test(k) ? Number(k) : k)), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) return lines.linePos(node.range[0]).line;
      if (n === 0 && doc.contents?.range) return lines.linePos(doc.contents.range[0]).line;
    }
    return undefined;
  }
}


