export { LicencePayload, licenceArtefact, type Licence, type LicenceBilling } from './licence.js';
export { LicenceReceiptPayload, licenceReceiptArtefact, type LicenceReceipt } from './licence-receipt.js';
export { SeatNoticePayload, seatNoticeArtefact, type SeatNotice } from './seat-notice.js';
