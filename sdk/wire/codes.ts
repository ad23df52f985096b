/**
 * The code tables [FW-10.1]. `error` codes are protocol faults; `refusal` codes are business
 * answers the terminal's user can act on. Receivers treat an unknown code of either table as
 * the generic one (`internal`, `refused`) so that stores can add codes without a new version.
 */
export const ERROR_CODES = {
  'bad-request': 'The body failed validation or did not match its topic.',
  'unsupported-version': 'The body `v` is a version the store does not speak.',
  'unknown-type': 'The body `t` names no message the store knows.',
  'too-large': 'The body is over the store’s size cap.',
  'not-logged-in': 'This request needs a login on this connection first.',
  'rate-limited': 'Too many attempts; wait `retryAfterMs`.',
  expired: 'The request arrived after its `exp`.',
  busy: 'The store is overloaded; retry after `retryAfterMs`.',
  unavailable: 'A store dependency (database, shared cache) is down; nothing changed; resend the same bytes after `retryAfterMs`.',
  internal: 'The store failed; the request changed nothing and may be retried.',
} as const;

export const REFUSAL_CODES = {
  refused: 'Generic refusal.',
  'login-refused': 'Unknown user or wrong password.',
  'terminal-not-enrolled': 'This device is not bound to that user.',
  'ticket-refused': 'The resumption ticket is no good (unknown, expired, used or not this device’s); log in with the password.',
  'unknown-part': 'No such part, or it is not for sale.',
  'insufficient-credit': 'Available credit is below the price; `balance` and `price` say by how much.',
  'card-refused': 'Unknown prepaid card or wrong card password.',
  'card-used': 'The prepaid card was already redeemed.',
  'unknown-transfer': 'No open transfer with that id for this device.',
  'hold-expired': 'The hold lapsed before the receipt; ask for a new offer.',
  'receipt-refused': 'The receipt signature or contents do not match the offer.',
  'not-licensable': 'The part’s title has no seat rule: it cannot be hosted.',
  'not-owned': 'This user was never charged for the part, so cannot host it.',
  'too-many-seats': 'More seats than the title allows in one licence.',
  'unknown-licence': 'No such licence for this device.',
  'licence-refused': 'The licence receipt’s signature or contents do not match the licence.',
  'licence-expired': 'The licence’s session is over.',
  'seats-full': 'Every seat of the licence is taken.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
export type RefusalCode = keyof typeof REFUSAL_CODES;
