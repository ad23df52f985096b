/** login → login.ok | refusal | error [FW-4.2]: binds this connection to a user. */
import { checkLogin } from '../directory/users.js';
import { findTerminal } from '../directory/terminals.js';
import { credit } from '../ledger/holds.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleLogin: Handler<'login'> = async ({ ctx, deviceId, session, message, nowMs }) => {
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
  if (!(await checkLogin(ctx.db, message.user, message.password))) return refusal(message.rid, 'login-refused', 'unknown user or wrong password');
  await ctx.loginLimiter.settle(keys, 'right', nowMs);
  // The password is checked first, so this answer tells nothing about a password not known.
  if (!enrolled) return refusal(message.rid, 'terminal-not-enrolled', `this terminal is not enrolled to ${message.user}`);
  session.userId = message.user;
  const { balanceMinor } = await credit(ctx.ledger, message.user, nowMs);
  return { v: 1, t: 'login.ok', rid: message.rid, user: message.user, balance: balanceMinor, currency: ctx.config.currency };
};
