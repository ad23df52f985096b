/**
 * card.redeem → card.ok | refusal | error [FW-4.5] (seed 004, Fig. 14): add a prepaid card's
 * value once. Wrong guesses are counted per terminal and per user and then rate-limited.
 */
import { redeemCard } from '../ledger/cards.js';
import { errorMessage } from '../service/wire-errors.js';
import { refusal, type Handler } from '../service/store-context.js';

export const handleCardRedeem: Handler<'card.redeem'> = async ({ ctx, deviceId, session, message, nowMs }) => {
  const userId = session.userId!;
  const keys = [`card:device:${deviceId}`, `card:user:${userId}`];
  const guess = await ctx.cardLimiter.tryGuess(keys, nowMs);
  if (!guess.allowed) return errorMessage('rate-limited', 'too many wrong prepaid cards', message.rid, guess.retryAfterMs);
  const result = await redeemCard(ctx.ledger, { cardId: message.card, password: message.password, userId, nowMs });
  // A card already used by someone else guessed nothing; a right card clears the count.
  await ctx.cardLimiter.settle(keys, result.ok ? 'right' : result.code === 'card-used' ? 'void' : 'wrong', nowMs);
  if (!result.ok) {
    return result.code === 'card-used'
      ? refusal(message.rid, 'card-used', 'this prepaid card was already redeemed')
      : refusal(message.rid, 'card-refused', 'unknown prepaid card or wrong card password');
  }
  if (!result.repeated) ctx.count('redeem');
  return { v: 1, t: 'card.ok', rid: message.rid, card: result.cardId, value: result.valueMinor, balance: result.balanceMinor };
};
