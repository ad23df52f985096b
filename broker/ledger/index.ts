/** The store's money: holds, exactly-once charges, prepaid cards, adjustments, reports. */
export { Ledger, type LedgerOptions } from './ledger.js';
export type * from './types.js';
export type { InvariantViolation } from './invariants.js';
export type { PostingLine, PostingPage, SalesLine, SalesWindow } from './reports.js';
export { transferIdHex, MAX_MONEY_MINOR } from './validate.js';
export { userAccountId, providerAccountId, sponsorAccountId, CARDS_ACCOUNT, ADJUSTMENTS_ACCOUNT } from './accounts.js';
export { chargeRef } from './capture.js';
export { redeemRef } from './cards.js';
export type * from './licence-types.js';
export { licenceChargeRef, seatChargeRef } from './licence-rows.js';
