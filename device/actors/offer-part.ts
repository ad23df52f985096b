/**
 * Asking for a part [FW-4.4]: the offer's manifest must carry the store's signature and
 * describe the part asked for before anything is reserved or stored [FW-6.5]. A short
 * balance is not a failure but the top-up branch of the flow (seed 004).
 */
import { TUNABLES } from '../../sdk/config.js';
import { manifestArtefact, type Manifest } from '../../sdk/manifest/index.js';
import type { MessageOf } from '../../sdk/wire/index.js';
import type { PartOffer } from '../machine/types.js';
import { effect } from './effect.js';
import { toHex } from './hex.js';
import type { TerminalRuntime } from './runtime.js';
import { unexpectedAnswer } from './store-answers.js';

export function offerSummary(offer: MessageOf<'offer'>, manifest: Manifest): PartOffer {
  return {
    transfer: toHex(offer.transfer),
    part: offer.part,
    title: manifest.title,
    seq: manifest.seq,
    next: manifest.next,
    base: manifest.base,
    sizeBytes: manifest.size,
    chunkBytes: manifest.chunkBytes,
    chunkCount: manifest.chunks.length,
    partHash: toHex(manifest.hash),
    price: offer.price,
    listPrice: offer.listPrice,
    currency: offer.currency,
    holdUntilMs: offer.holdUntil,
    windowMax: offer.windowMax,
  };
}

/** Opens an offer's manifest with the store key; a reason string when it must be refused. */
export async function checkOfferManifest(rt: TerminalRuntime, offer: MessageOf<'offer'>, partAsked: string): Promise<Manifest | string> {
  let manifest: Manifest;
  try {
    manifest = (await manifestArtefact.open(offer.manifest, rt.storePublicKey, rt.hal.crypto)).payload;
  } catch (e) {
    return `the manifest of ${offer.part} failed its check: ${(e as Error).message}`;
  }
  if (manifest.part !== offer.part || offer.part !== partAsked) return `asked for ${partAsked}, the offer is for ${offer.part} and its manifest for ${manifest.part}`;
  if (manifest.chunks.length > TUNABLES.maxChunksPerPart.max) return `the manifest names ${manifest.chunks.length} chunks`;
  return manifest;
}

export function offerActor(rt: TerminalRuntime) {
  return effect<{ part: string }>(async ({ part }, scope) => {
    const pending = rt.session.request({ t: 'offer.get', part });
    scope.onStop(pending.cancel);
    const answer = await pending.reply;
    if (answer.t === 'refusal' && answer.code === 'insufficient-credit') {
      return scope.send({ type: 'store.creditShort', balance: answer.balance ?? 0, price: answer.price ?? 0 });
    }
    if (answer.t !== 'offer') return scope.send(unexpectedAnswer(answer, 'offer'));
    const manifest = await checkOfferManifest(rt, answer, part);
    if (typeof manifest === 'string') {
      // Release the hold the store placed for an offer we will never take.
      rt.session.request({ t: 'offer.cancel', transfer: answer.transfer }).reply.catch(() => undefined);
      return scope.send({ type: 'part.badManifest', message: manifest });
    }
    rt.manifests.set(part, { bytes: answer.manifest, manifest });
    scope.send({ type: 'store.offer', offer: offerSummary(answer, manifest), advert: answer.advert ?? null });
  });
}
