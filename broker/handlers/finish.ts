/**
 * finish → advert | refusal [FW-4.9] (seed 004, Fig. 13 S1323–S1325): after the last part the
 * results go into the user's history, and an advert chosen from that history comes back.
 * The history row carries the request's key, unique: the same finish resent — to this node
 * after its reply cache forgot, or to another node [issue 11] — writes one row.
 */
import { requestKey } from '../service/request-key.js';
import { refusal, type Handler } from '../service/store-context.js';
import { chooseAdvert } from './choose-advert.js';

export const handleFinish: Handler<'finish'> = async ({ ctx, deviceId, session, message, nowMs, bytes }) => {
  const userId = session.userId!;
  const charged = await ctx.db
    .selectFrom('transfers')
    .innerJoin('parts', 'parts.id', 'transfers.part_id')
    .select('transfers.id')
    .where('transfers.user_id', '=', userId)
    .where('transfers.part_id', '=', message.part)
    .where('parts.title_id', '=', message.title)
    .where('transfers.state', '=', 'charged')
    .executeTakeFirst();
  if (!charged) return refusal(message.rid, 'unknown-part', `${message.part} of ${message.title} was not bought by ${userId}`, { part: message.part });
  await ctx.db
    .insertInto('history')
    .values({ user_id: userId, title_id: message.title, part_id: message.part, kind: 'finish', results: JSON.stringify(message.results), at: nowMs, request_key: requestKey('finish', deviceId, message.rid, bytes) })
    .onConflict((oc) => oc.column('request_key').doNothing())
    .execute();
  const advert = await chooseAdvert(ctx.db, userId);
  return { v: 1, t: 'advert', rid: message.rid, ...(advert ? { advert } : {}) };
};
