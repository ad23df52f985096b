/** login → login.ok | refusal | error [FW-4.2]: binds this connection to a user. */
import { checkLogin } from '../directory/users.js';
import { findTerminal } from '../directory/terminals.js';
import { credit } from '../ledger/holds.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleLogin: Handler<'login'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const keys = [`device:${deviceId}`, `user:${message.user}`];
  const wait = Math.max(...keys.map((k) => ctx.loginLimiter.retryAfterMs(k, nowMs)));
  if (wait > 0) return errorMessage('rate-limited', 'too many failed logins', message.rid, wait);
  if (!(await checkLogin(ctx.db, message.user, message.password))) {
    for (const k of keys) ctx.loginLimiter.failed(k, nowMs);
    session.userId = undefined;
    return refusal(message.rid, 'login-refused', 'unknown user or wrong password');
  }
  const terminal = await findTerminal(ctx.db, deviceId);
  if (!terminal || terminal.revokedAt !== null || terminal.userId !== message.user) {
    return refusal(message.rid, 'terminal-not-enrolled', `this terminal is not enrolled to ${message.user}`);
  }
  for (const k of keys) ctx.loginLimiter.succeeded(k);
  session.userId = message.user;
  const { balanceMinor } = await credit(ctx.ledger, message.user, nowMs);
  return { v: 1, t: 'login.ok', rid: message.rid, user: message.user, balance: balanceMinor, currency: ctx.config.currency };
};
