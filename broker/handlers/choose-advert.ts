/**
 * Picks the advert sent after a title's last part from the user's history (seed 004, Fig. 13
 * S1325): an advert or demo title the user has not bought yet, preferring one from a
 * provider the user already buys from (the interest the history shows), then by id so the
 * choice is stable. None left → no advert.
 */
import type { Kysely } from 'kysely';
import type { MessageOf } from '../../sdk/wire/index.js';
import type { Schema } from '../db/schema.js';

export async function chooseAdvert(db: Kysely<Schema>, userId: string): Promise<MessageOf<'advert'>['advert']> {
  const bought = await db
    .selectFrom('history')
    .innerJoin('titles', 'titles.id', 'history.title_id')
    .select(['titles.id', 'titles.provider'])
    .where('history.user_id', '=', userId)
    .where('history.kind', '=', 'charge')
    .execute();
  const boughtTitles = new Set(bought.map((b) => b.id));
  const providers = new Set(bought.map((b) => b.provider));
  const candidates = await db.selectFrom('titles').select(['id', 'name', 'provider']).where('category', 'in', ['advert', 'demo']).orderBy('id').execute();
  const fresh = candidates.filter((c) => !boughtTitles.has(c.id));
  const pick = fresh.find((c) => providers.has(c.provider)) ?? fresh[0];
  if (!pick) return undefined;
  const first = await db.selectFrom('parts').select('id').where('title_id', '=', pick.id).where('seq', '=', 1).executeTakeFirst();
  if (!first) return undefined;
  return { title: pick.id, name: pick.name, sponsor: pick.provider, firstPart: first.id };
}
