/** What the handlers read from the catalog: menu pages, a part with its title, use counts. */
import type { Kysely } from 'kysely';
import type { MessageOf } from '../../sdk/wire/index.js';
import { toBytes } from '../db/bytes.js';
import type { Schema } from '../db/schema.js';
import { parsePricingRule, parseSeatRule, type PricingRule, type SeatRule } from '../pricing/index.js';
import type { PreparedPart } from './prepare-title.js';

type MenuEntry = MessageOf<'menu'>['titles'][number];

/** A part as recorded at import, plus what selling it has added since. */
export interface CatalogPart extends PreparedPart {
  titleId: string;
  useCount: number;
}

export interface CatalogTitle {
  id: string;
  name: string;
  provider: string;
  category: string;
  currency: string;
  pricing: PricingRule;
  /** The seat rule [FW-13.7]; null: the title's parts cannot be hosted. */
  seats: SeatRule | null;
}

export async function menuPage(db: Kysely<Schema>, after: string | undefined, limit: number): Promise<{ titles: MenuEntry[]; more: boolean }> {
  let query = db.selectFrom('titles').selectAll().orderBy('id').limit(limit + 1);
  if (after !== undefined) query = query.where('id', '>', after);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  const titles: MenuEntry[] = [];
  for (const title of page) {
    const parts = await db.selectFrom('parts').select(['id', 'seq', 'size_bytes', 'list_price_minor']).where('title_id', '=', title.id).orderBy('seq').execute();
    const first = parts[0];
    if (!first) continue;
    const pricing = parsePricingRule(JSON.parse(title.pricing));
    titles.push({
      title: title.id,
      name: title.name,
      provider: title.provider,
      category: title.category as MenuEntry['category'],
      parts: parts.length,
      sizeBytes: parts.reduce((sum, p) => sum + p.size_bytes, 0),
      firstPart: first.id,
      firstPrice: pricing.rule === 'lump' ? pricing.priceMinor : pricing.rule === 'by-order' ? (pricing.prices[0] ?? first.list_price_minor) : first.list_price_minor,
      advert: pricing.rule === 'advert',
    });
  }
  return { titles, more: rows.length > limit };
}

export async function findPart(db: Kysely<Schema>, partId: string): Promise<{ part: CatalogPart; title: CatalogTitle } | undefined> {
  const row = await db.selectFrom('parts').innerJoin('titles', 'titles.id', 'parts.title_id').selectAll('parts').select(['titles.name', 'titles.provider', 'titles.category', 'titles.currency', 'titles.pricing', 'titles.seats']).where('parts.id', '=', partId).executeTakeFirst();
  if (!row) return undefined;
  return {
    part: {
      id: row.id,
      titleId: row.title_id,
      seq: row.seq,
      nextId: row.next_id,
      baseId: row.base_id,
      sizeBytes: row.size_bytes,
      chunkBytes: row.chunk_bytes,
      partHash: toBytes(row.part_hash),
      manifest: toBytes(row.manifest),
      contentHash: row.content_hash,
      listPriceMinor: row.list_price_minor,
      useCount: row.use_count,
    },
    title: { id: row.title_id, name: row.name, provider: row.provider, category: row.category, currency: row.currency, pricing: parsePricingRule(JSON.parse(row.pricing)), seats: parseSeatRule(row.seats) },
  };
}

/** The use count of the part at `seq` in a title (0 when there is none). */
export async function useCountAt(db: Kysely<Schema>, titleId: string, seq: number): Promise<number> {
  const row = await db.selectFrom('parts').select('use_count').where('title_id', '=', titleId).where('seq', '=', seq).executeTakeFirst();
  return row?.use_count ?? 0;
}

export async function titleName(db: Kysely<Schema>, titleId: string): Promise<string | undefined> {
  return (await db.selectFrom('titles').select('name').where('id', '=', titleId).executeTakeFirst())?.name;
}
