/**
 * Effects on parts already on the device: the whole-part check [FW-7.6], playing a charged
 * part through the executor [FW-8.5], and deleting what is done (seed 000 claim 2).
 */
import { isFairwayError } from '../../sdk/errors.js';
import type { PartOffer, TitleJob } from '../machine/types.js';
import { openDownload } from './download.js';
import { effect } from './effect.js';
import { partImage, randomPlaySeed } from './part-image.js';
import type { TerminalRuntime } from './runtime.js';

export function localPartActors(rt: TerminalRuntime, playSeed?: (part: string) => number) {
  return {
    verifyPart: effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
      const dl = await openDownload(rt, offer);
      if (!dl) return scope.send({ type: 'store.holdExpired' });
      if (!dl.isComplete()) return scope.send({ type: 'part.mismatch' });
      if (!(await dl.verifyWhole())) return scope.send({ type: 'part.mismatch' });
      await rt.storage.markComplete(offer.part);
      scope.send({ type: 'part.verified' });
    }),

    playPart: effect<{ offer: PartOffer; job: TitleJob }>(async ({ offer, job }, scope) => {
      const part = partImage(rt.storage, offer.part);
      if (!part) return scope.send({ type: 'part.playFailed', message: `${offer.part} is not complete on this device` });
      const base = offer.base === null ? null : partImage(rt.storage, offer.base);
      if (offer.base !== null && !base) return scope.send({ type: 'part.playFailed', message: `${offer.part} needs its base part ${offer.base}, which is not on this device` });
      rt.emitter.emit('play', { part: offer.part, seq: offer.seq });
      try {
        const outcome = await rt.executor.play({ part, base, carried: job.carried, seed: playSeed ? playSeed(offer.part) : randomPlaySeed(rt.hal) });
        rt.emitter.emit('played', { part: offer.part, results: outcome.results, continue: outcome.continue });
        scope.send({ type: 'part.played', results: outcome.results, continue: outcome.continue });
      } catch (e) {
        scope.send({ type: 'part.playFailed', message: e instanceof Error ? e.message : String(e) });
      }
    }),

    retirePart: effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
      // A part that runs alone while the title goes on may be the base of the parts still to
      // come (their manifests are not here yet): it stays until the title is cleaned up.
      if (offer.base === null && offer.next !== null) return scope.send({ type: 'part.cleaned' });
      try {
        await rt.storage.markServed(offer.part);
      } catch (e) {
        if (!isFairwayError(e, 'not-found')) throw e; // already deleted before a power loss
      }
      scope.send({ type: 'part.cleaned' });
    }),

    cleanTitle: effect<{ title: string }>(async ({ title }, scope) => {
      await rt.storage.finishTitle(title);
      scope.send({ type: 'part.cleaned' });
    }),
  };
}
