/**
 * A title's seat rule [FW-13.7]: what one seat of a hosted session costs, how it is billed
 * (all approved seats with the host's receipt, or one per peer's reception notice — seed 000
 * claims 7/10 and 8), how many seats one licence may ask for, and how long a session lasts.
 * Every licence's total (seats × price) stays within the protocol's money bound.
 */
import { z } from 'zod';
import { SEATS_MAX } from '../../sdk/wire/messages.js';

const MAX_MONEY_MINOR = 1_000_000_000_000;
/** A session longer than a week is a configuration mistake, not a game. */
export const MAX_SESSION_MS = 7 * 24 * 60 * 60_000;

export const SeatRuleSchema = z
  .strictObject({
    /** Per-seat price in minor units, the same for every part of the title. */
    price: z.number().int().min(0).max(MAX_MONEY_MINOR),
    billing: z.enum(['upfront', 'per-reception']),
    maxSeats: z.number().int().min(1).max(SEATS_MAX),
    /** Licence lifetime: `exp` = issue time + sessionMs. */
    sessionMs: z.number().int().min(1_000).max(MAX_SESSION_MS),
  })
  .superRefine((rule, ctx) => {
    if (rule.price * rule.maxSeats > MAX_MONEY_MINOR) {
      ctx.addIssue({ code: 'custom', path: ['price'], message: `price × maxSeats must be at most 10^12 minor units, got ${rule.price * rule.maxSeats}` });
    }
  });

export type SeatRule = z.infer<typeof SeatRuleSchema>;

/** Reads the stored JSON form (null when the title is not licensable). */
export function parseSeatRule(json: string | null): SeatRule | null {
  return json === null ? null : SeatRuleSchema.parse(JSON.parse(json));
}

/** What a licence for `seats` seats holds and, in full, charges. */
export function licenceTotalMinor(rule: Pick<SeatRule, 'price'>, seats: number): number {
  return rule.price * seats;
}
