/**
 * From an up-topic publish to a reply [FW-3.5, FW-3.6, FW-3.7]: decode against the topic's
 * type, consult the reply cache, check expiry and login, run the handler, send the reply.
 * Every failure becomes a typed `error`; nothing a terminal sends can crash the store.
 */
import { FairwayError } from '../../sdk/errors.js';
import { decodeMessage, type DownMessage, type Message, type UpType } from '../../sdk/wire/index.js';
import { CACHED_REPLIES, HANDLERS } from '../handlers/index.js';
import type { EncodedReply } from './encoded-reply.js';
import { isOutage, OUTAGE_RETRY_AFTER_MS } from './outage.js';
import type { ReplyCache } from './reply-cache.js';
import type { Handler, Session, StoreContext } from './store-context.js';
import { errorCodeFor, errorMessage, salvageRid } from './wire-errors.js';

export interface DispatchInput {
  ctx: StoreContext;
  replies: ReplyCache;
  /** The service's encoder (validates the body): replies are kept as the bytes they were sent as. */
  encode(message: DownMessage): EncodedReply;
  deviceId: string;
  session: Session;
  topicType: UpType;
  bytes: Uint8Array;
  nowMs: number;
}

export async function dispatch(input: DispatchInput): Promise<void> {
  const { ctx, deviceId, bytes, nowMs } = input;
  let message: Message;
  try {
    message = decodeMessage(bytes, { direction: 'up', expect: input.topicType, maxBytes: ctx.config.maxMessageBytes });
  } catch (e) {
    if (!(e instanceof FairwayError)) throw e;
    ctx.log.info({ deviceId, kind: e.kind, path: e.path }, 'refused a body');
    ctx.count('error', { code: errorCodeFor(e) });
    await ctx.send(deviceId, errorMessage(errorCodeFor(e), e.message, salvageRid(bytes, e)));
    return;
  }
  const request = message as Message & { rid: number; t: UpType };
  const run = async () => {
    const answer = await handle(input, request);
    return answer === undefined ? undefined : input.encode(answer);
  };
  // A cached reply is sent as the bytes first sent (by this node or, in a cluster, another).
  const reply = CACHED_REPLIES.has(request.t) ? (await input.replies.run(deviceId, request.rid, bytes, nowMs, run)).reply : await run();
  if (reply) {
    const { message } = reply;
    if (message.t === 'refusal') ctx.count('refusal', { code: message.code });
    if (message.t === 'error') ctx.count('error', { code: message.code });
    await ctx.send(deviceId, reply);
  }
}

async function handle(input: DispatchInput, message: Message & { rid: number; t: UpType }): Promise<DownMessage | undefined> {
  const { ctx, deviceId, session, nowMs, bytes } = input;
  const exp = (message as { exp?: number }).exp;
  if (exp !== undefined && nowMs > exp) return errorMessage('expired', `arrived ${nowMs - exp} ms after its exp`, message.rid);
  if (message.t !== 'login' && session.userId === undefined) return errorMessage('not-logged-in', 'log in on this connection first', message.rid);
  try {
    const handler = HANDLERS[message.t] as Handler<UpType>;
    return await handler({ ctx, deviceId, session, message: message as never, nowMs, bytes });
  } catch (e) {
    // Not the terminal's fault: nothing was committed, it may resend the same bytes.
    if (isOutage(e)) {
      ctx.log.warn({ deviceId, type: message.t, reason: e instanceof Error ? e.message : String(e) }, 'a store dependency is unavailable: answered unavailable');
      return errorMessage('unavailable', 'the store cannot reach its database or cache; nothing changed, resend later', message.rid, OUTAGE_RETRY_AFTER_MS);
    }
    ctx.log.error({ err: e, deviceId, type: message.t }, 'handler failed');
    return errorMessage('internal', 'the store failed; nothing changed, resend', message.rid);
  }
}
