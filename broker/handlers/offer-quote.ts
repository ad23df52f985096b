/**
 * Prices a part for one user now (seed 004, Fig. 13 S1303 and the modifications): gathers
 * the use counts and lump-sum state the title's rule needs and asks broker/pricing.
 */
import type { Kysely } from 'kysely';
import type { MessageOf } from '../../sdk/wire/index.js';
import { useCountAt, type CatalogPart, type CatalogTitle } from '../catalog/catalog-reader.js';
import type { Schema } from '../db/schema.js';
import { quote, type Quote } from '../pricing/index.js';

export async function quoteFor(db: Kysely<Schema>, userId: string, part: CatalogPart, title: CatalogTitle): Promise<Quote> {
  const rule = title.pricing;
  return quote(rule, {
    seq: part.seq,
    listPriceMinor: part.listPriceMinor,
    previousPartUses: part.seq > 1 ? await useCountAt(db, title.id, part.seq - 1) : 0,
    firstPartUses: await useCountAt(db, title.id, 1),
    lumpPaid: rule.rule === 'lump' ? await hasChargeInTitle(db, userId, title.id) : false,
  });
}

/** A lump-priced title is paid once a charge for any of its parts exists for the user. */
async function hasChargeInTitle(db: Kysely<Schema>, userId: string, titleId: string): Promise<boolean> {
  const row = await db
    .selectFrom('transfers')
    .innerJoin('parts', 'parts.id', 'transfers.part_id')
    .select('transfers.id')
    .where('transfers.user_id', '=', userId)
    .where('parts.title_id', '=', titleId)
    .where('transfers.state', '=', 'charged')
    .executeTakeFirst();
  return row !== undefined;
}

/** The advert an offer carries when its sponsor pays part of the price [FW-4.4.2]. */
export async function advertRef(db: Kysely<Schema>, advertTitleId: string, sponsor: string): Promise<MessageOf<'offer'>['advert']> {
  const title = await db.selectFrom('titles').select('name').where('id', '=', advertTitleId).executeTakeFirst();
  const first = await db.selectFrom('parts').select('id').where('title_id', '=', advertTitleId).where('seq', '=', 1).executeTakeFirst();
  return { title: advertTitleId, name: title?.name ?? advertTitleId, sponsor, firstPart: first?.id ?? advertTitleId };
}
