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
import { CatalogError } from './catalog-error.js';

const money = z.number().int().min(0).max(1_000_000_000_000);

export const PartEntry = z.strictObject({
  id,
  /** Path of the part's bytes, relative to the title folder. */
  file: z.string().min(1).max(255).refine((f) => !f.split(/[\\/]/).includes('..') && !f.startsWith('/'), 'must stay inside the title folder'),
  price: money,
  /** The price a user pays when the part carries the title's advert (seed 004, 2nd embodiment). */
  advertPrice: money.optional(),
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
    /** The pricing rule (docs/pricing.md); checked by broker/pricing. */
    pricing: z.unknown().default({ rule: 'standard' }),
    /** A sponsor whose advert rides along with parts that have an advertPrice. */
    advert: z.strictObject({ sponsor: utf8Text(1, 256), title: id }).optional(),
    parts: z.array(PartEntry).min(1).max(10_000),
  })
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    t.parts.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['parts', i, 'id'], message: `part id ${p.id} appears twice` });
      seen.add(p.id);
      if (p.advertPrice !== undefined && !t.advert) ctx.addIssue({ code: 'custom', path: ['parts', i, 'advertPrice'], message: 'advertPrice needs an advert section on the title' });
      if (p.advertPrice !== undefined && p.advertPrice > p.price) ctx.addIssue({ code: 'custom', path: ['parts', i, 'advertPrice'], message: 'advertPrice is above price' });
    });
  });

export type TitleFile = z.infer<typeof TitleFile>;

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
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const fieldPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') fieldPath.push(issue.keys[0] ?? '');
  // The node of the field itself, or of the nearest enclosing one that exists (a missing field).
  let line: number | undefined;
  for (let n = fieldPath.length; n >= 0 && line === undefined; n--) {
    const node = doc.getIn(fieldPath.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node?.range) line = lines.linePos(node.range[0]).line;
    else if (n === 0 && doc.contents?.range) line = lines.linePos(doc.contents.range[0]).line;
  }
  throw new CatalogError(path, issue.message, fieldPath.join('.') || undefined, line);
}
