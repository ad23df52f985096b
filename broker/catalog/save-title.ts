/**
 * Records a prepared title and its parts in one transaction: either the whole title is in
 * the catalog afterwards or none of it is [issue 3, "nothing half-imported"].
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../db/schema.js';
import { CatalogError } from './catalog-error.js';
import type { PreparedTitle } from './prepare-title.js';

export async function saveTitle(db: Kysely<Schema>, prepared: PreparedTitle, source: string, nowMs: number): Promise<void> {
  const { file } = prepared;
  const sponsored = new Map(file.pricing.rule === 'advert' ? file.pricing.sponsored.map((s) => [s.seq, s]) : []);
  await db.transaction().execute(async (trx) => {
    if (await trx.selectFrom('titles').select('id').where('id', '=', file.id).executeTakeFirst()) {
      throw new CatalogError(source, `title ${file.id} is already in the catalog`, 'id');
    }
    const taken = await trx.selectFrom('parts').select(['id', 'title_id']).where('id', 'in', prepared.parts.map((p) => p.id)).executeTakeFirst();
    if (taken) throw new CatalogError(source, `part id ${taken.id} already belongs to title ${taken.title_id}`, 'parts');
    await trx
      .insertInto('titles')
      .values({ id: file.id, name: file.name, provider: file.provider, creator: file.creator, category: file.category, currency: file.currency, pricing: JSON.stringify(file.pricing), seats: file.seats ? JSON.stringify(file.seats) : null, created_at: nowMs })
      .execute();
    for (const part of prepared.parts) {
      const sponsor = sponsored.get(part.seq);
      await trx
        .insertInto('parts')
        .values({
          id: part.id,
          title_id: file.id,
          seq: part.seq,
          next_id: part.nextId,
          base_id: part.baseId,
          size_bytes: part.sizeBytes,
          chunk_bytes: part.chunkBytes,
          part_hash: part.partHash,
          manifest: part.manifest,
          content_hash: part.contentHash,
          list_price_minor: part.listPriceMinor,
          advert_price_minor: sponsor ? part.listPriceMinor - sponsor.sponsorPaysMinor : null,
          sponsor: sponsor?.sponsor ?? null,
          advert_title_id: sponsor?.advertTitle ?? null,
        })
        .execute();
    }
  });
}
