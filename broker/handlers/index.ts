/** The dispatcher's table: one handler per request type [FW-4.0]. */
import type { UpType } from '../../sdk/wire/index.js';
import type { Handler } from '../service/store-context.js';
import { handleCardRedeem } from './card-redeem.js';
import { handleChunksGet } from './chunks-get.js';
import { handleFinish } from './finish.js';
import { handleLicenceGet } from './licence-get.js';
import { handleLicenceReceipt } from './licence-receipt.js';
import { handleLogin } from './login.js';
import { handleMenuGet } from './menu-get.js';
import { handleOfferCancel } from './offer-cancel.js';
import { handleOfferGet } from './offer-get.js';
import { handleReceipt } from './receipt.js';
import { handleSeatNotices } from './seat-notices.js';

export const HANDLERS: { [T in UpType]: Handler<T> } = {
  login: handleLogin,
  'menu.get': handleMenuGet,
  'offer.get': handleOfferGet,
  'offer.cancel': handleOfferCancel,
  'card.redeem': handleCardRedeem,
  'chunks.get': handleChunksGet,
  receipt: handleReceipt,
  finish: handleFinish,
  'licence.get': handleLicenceGet,
  'licence.receipt': handleLicenceReceipt,
  'seat.notices': handleSeatNotices,
};

/** Requests with an effect: their replies are kept for resends [FW-3.6.5]. */
export const CACHED_REPLIES: ReadonlySet<UpType> = new Set([
  'offer.get',
  'offer.cancel',
  'card.redeem',
  'receipt',
  'finish',
  'licence.get',
  'licence.receipt',
  'seat.notices',
]);
