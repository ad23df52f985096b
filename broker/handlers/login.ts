/** login → login.ok | refusal | error [FW-4.2]: binds this connection to a user. */
import { checkLogin } from '../directory/users.js';
import { findTerminal } from '../directory/terminals.js';
import { issueTicket, resumeTicket } from '../directory/tickets.js';
import { credit } from '../ledger/holds.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler, type Request } from '../service/store-context.js';
import type { DownMessage } from '../../sdk/wire/index.js';

export const handleLogin: Handler<'login'> = async (request) => {
  const { message } = request;
  // The schema lets exactly one of the two through; a ticket costs no scrypt [FW-4.2.5].
  if (message.ticket !== undefined) return loginWithTicket(request, message.ticket);
  if (message.password !== undefined) return loginWithPassword(request, message.password);
  return errorMessage('bad-request', 'give password or ticket', message.rid);
};

async function loginWithPassword({ ctx, deviceId, session, message, nowMs }: Request<'login'>, password: string): Promise<DownMessage> {
  const terminal = await findTerminal(ctx.db, deviceId);
  const enrolled = terminal !== undefined && terminal.revokedAt === null && terminal.userId === message.user;
  // Failures count against the user only from the user's own terminals: another terminal's
  // guesses are limited by its device key alone, so no terminal can lock a user out [FW-4.2.2].
  const keys = enrolled ? [`login:device:${deviceId}`, `login:user:${message.user}`] : [`login:device:${deviceId}`];
  // Reserved before the password is hashed: a burst of any size checks at most the limit.
  const guess = await ctx.loginLimiter.tryGuess(keys, nowMs);
  if (!guess.allowed) return errorMessage('rate-limited', 'too many failed logins', message.rid, guess.retryAfterMs);
  // The guess stays counted unless the password proves right: a store that fails half-way
  // (database down) has still been asked once. A failed login leaves the connection's
  // binding as it was [FW-4.2.3].
  if (!(await checkLogin(ctx.db, message.user, password))) return refusal(message.rid, 'login-refused', 'unknown user or wrong password');
  await ctx.loginLimiter.settle(keys, 'right', nowMs);
  // The password is checked first, so this answer tells nothing about a password not known.
  if (!enrolled) return refusal(message.rid, 'terminal-not-enrolled', `this terminal is not enrolled to ${message.user}`);
  // Only to a terminal that asked [FW-4.2.4]: one that predates tickets would refuse the
  // login.ok. Issued before the binding: a store failing here leaves the connection as it was.
  const next = message.wantTicket === true ? await issueTicket(ctx.db, { deviceId, userId: message.user }, nowMs, ctx.crypto) : undefined;
  return loggedIn({ ctx, session, message, nowMs }, next);
}

/**
 * A ticket counts as a guess against the device key only: a refused ticket says nothing
 * about the user's password, and a terminal replaying junk must not lock its user out.
 */
async function loginWithTicket({ ctx, deviceId, session, message, nowMs }: Request<'login'>, ticket: Uint8Array): Promise<DownMessage> {
  const keys = [`login:device:${deviceId}`];
  const guess = await ctx.loginLimiter.tryGuess(keys, nowMs);
  if (!guess.allowed) return errorMessage('rate-limited', 'too many failed logins', message.rid, guess.retryAfterMs);
  // Consume and rotate in one transaction: the presented ticket is spent only if its
  // successor is stored, so a store failing in between leaves the old one usable.
  const outcome = await ctx.db.transaction().execute(async (trx) => {
    const resumed = await resumeTicket(trx, { ticket, deviceId, userId: message.user }, nowMs, ctx.crypto);
    if ('refused' in resumed) return resumed;
    // Revocation deletes a device's tickets, but enrolment is the rule: check it, not the proxy.
    const terminal = await findTerminal(trx, deviceId);
    if (terminal === undefined || terminal.revokedAt !== null || terminal.userId !== resumed.userId) return { notEnrolled: true as const };
    return { next: await issueTicket(trx, { deviceId, userId: resumed.userId }, nowMs, ctx.crypto) };
  });
  if ('refused' in outcome) {
    ctx.log.info({ deviceId, user: message.user, why: outcome.refused }, 'login ticket refused');
    // One answer for every reason: the terminal learns only to use its password [FW-4.2.5].
    return refusal(message.rid, 'ticket-refused', 'ticket not accepted; log in with the password');
  }
  await ctx.loginLimiter.settle(keys, 'right', nowMs);
  if ('notEnrolled' in outcome) return refusal(message.rid, 'terminal-not-enrolled', `this terminal is not enrolled to ${message.user}`);
  return loggedIn({ ctx, session, message, nowMs }, outcome.next);
}

async function loggedIn(
  { ctx, session, message, nowMs }: Pick<Request<'login'>, 'ctx' | 'session' | 'message' | 'nowMs'>,
  next: { ticket: Uint8Array; expiresAtMs: number } | undefined,
): Promise<DownMessage> {
  session.userId = message.user;
  const { balanceMinor } = await credit(ctx.ledger, message.user, nowMs);
  const ok = { v: 1, t: 'login.ok', rid: message.rid, user: message.user, balance: balanceMinor, currency: ctx.config.currency } as const;
  return next ? { ...ok, ticket: next.ticket, ticketExp: next.expiresAtMs } : ok;
}
