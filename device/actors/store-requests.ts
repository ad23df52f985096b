/**
 * Effects that are one request and one answer: the menu, a prepaid card, the results upload
 * at the end of a title, and cancelling an offer. Each request is resent by the session until
 * answered, across drops [FW-7.4.1].
 */
import { isFairwayError } from '../../sdk/errors.js';
import type { PartOffer, TitleJob } from '../machine/types.js';
import { effect } from './effect.js';
import { fromHex } from './hex.js';
import type { TerminalRuntime } from './runtime.js';
import { unexpectedAnswer } from './store-answers.js';

export function storeRequestActors(rt: TerminalRuntime) {
  return {
    loadMenu: effect<void>(async (_input, scope) => {
      const titles: TerminalRuntime['menu'] = [];
      let after: string | undefined;
      for (let page = 0; page < 100; page++) {
        const pending = rt.session.request(after === undefined ? { t: 'menu.get' } : { t: 'menu.get', after });
        scope.onStop(pending.cancel);
        const answer = await pending.reply;
        if (answer.t !== 'menu') return scope.send(unexpectedAnswer(answer, 'menu'));
        titles.push(...answer.titles);
        if (!answer.more || answer.titles.length === 0) break;
        after = answer.titles[answer.titles.length - 1]?.title;
      }
      rt.menu = titles;
      rt.emitter.emit('menu', titles);
      scope.send({ type: 'store.menu' });
    }),

    redeemCard: effect<{ card: string; password: string }>(async (input, scope) => {
      const pending = rt.session.request({ t: 'card.redeem', card: input.card, password: input.password });
      scope.onStop(pending.cancel);
      const answer = await pending.reply;
      if (answer.t === 'card.ok') return scope.send({ type: 'store.cardOk', value: answer.value, balance: answer.balance });
      if (answer.t === 'refusal') return scope.send({ type: 'store.cardRefused', code: answer.code, message: answer.message });
      scope.send(unexpectedAnswer(answer, 'card.ok'));
    }),

    finishTitle: effect<{ job: TitleJob; lastPart: string }>(async ({ job, lastPart }, scope) => {
      const pending = rt.session.request({ t: 'finish', title: job.title, part: lastPart, results: job.carried });
      scope.onStop(pending.cancel);
      const answer = await pending.reply;
      if (answer.t !== 'advert') return scope.send(unexpectedAnswer(answer, 'advert'));
      rt.lastAdvert = answer.advert ?? null;
      scope.send({ type: 'store.advert', advert: answer.advert ?? null });
    }),

    /** Releases the hold at once [FW-4.4.3] and the storage the part had reserved. */
    cancelTransfer: effect<{ offer: PartOffer | null }>(async ({ offer }, scope) => {
      let balance: number | null = null;
      if (offer) {
        const pending = rt.session.request({ t: 'offer.cancel', transfer: fromHex(offer.transfer) });
        scope.onStop(pending.cancel);
        const answer = await pending.reply;
        if (answer.t === 'offer.cancelled') balance = answer.balance;
        // A hold that already lapsed or was charged needs no cancelling.
        else if (!(answer.t === 'refusal' && (answer.code === 'unknown-transfer' || answer.code === 'hold-expired'))) return scope.send(unexpectedAnswer(answer, 'offer.cancelled'));
        const stored = rt.storage.get(offer.part);
        if (stored && stored.state === 'reserved') {
          await rt.storage.release(offer.part).catch((e: unknown) => {
            if (!isFairwayError(e, 'not-found')) throw e;
          });
        }
      }
      scope.send({ type: 'store.cancelled', balance });
    }),
  };
}
