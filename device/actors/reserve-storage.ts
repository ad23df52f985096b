/**
 * Reserving flash for a part before its first byte [seed 000 claim 2, FW-7.7.2]: a part
 * already in its slot from an earlier transfer is kept when the new manifest describes the
 * same bytes (same hash, size and chunk size), so a lapsed hold costs no second download.
 */
import { PartDownload } from '../download/part-download.js';
import type { PartOffer } from '../machine/types.js';
import { StorageFullError } from '../storage/storage-errors.js';
import { effect } from './effect.js';
import { storedManifest } from './part-files.js';
import type { TerminalRuntime } from './runtime.js';

/** Room for the persisted receipt record: rid + the `receipt` message (~420 bytes) + framing. */
export const RECEIPT_RECORD_BYTES = 1024;

/** A slot's side blobs: the manifest as received, the missing-chunk bitmap, the receipt record. */
function sideBytesFor(manifestBytes: Uint8Array, offer: PartOffer): number {
  return manifestBytes.length + Math.ceil(offer.chunkCount / 8) + RECEIPT_RECORD_BYTES;
}

export function reserveActor(rt: TerminalRuntime) {
  return effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
    const fresh = rt.manifests.get(offer.part);
    const existing = rt.storage.get(offer.part);
    const kept = existing ? await storedManifest(rt, offer.part) : null;
    if (!fresh && !kept) {
      // Power was lost between the offer and its reservation: ask for the offer again.
      return scope.send({ type: 'store.holdExpired' });
    }
    // The offer's manifest was verified when it arrived (offer-part.ts); it is not opened again.
    if (existing && fresh) {
      if (!kept || !PartDownload.canKeep(kept, fresh.manifest) || sideBytesFor(fresh.bytes, offer) > existing.sideBytes) await rt.storage.release(offer.part);
    }
    if (!rt.storage.get(offer.part)) {
      try {
        await rt.storage.reserve({
          part: offer.part,
          title: offer.title,
          seq: offer.seq,
          base: offer.base,
          dataBytes: offer.sizeBytes,
          sideBytes: sideBytesFor((fresh as { bytes: Uint8Array }).bytes, offer),
        });
      } catch (e) {
        if (e instanceof StorageFullError) {
          rt.emitter.emit('storageFull', { neededBytes: e.neededBytes, freeBytes: e.freeBytes, freeableBytes: e.freeableBytes, candidates: [...e.candidates] });
          return scope.send({ type: 'storage.full', neededBytes: e.neededBytes, freeBytes: e.freeBytes, freeableBytes: e.freeableBytes, message: e.message });
        }
        throw e;
      }
    }
    if (fresh) {
      await rt.storage.write(offer.part, 'man', 0, fresh.bytes);
      rt.manifests.delete(offer.part);
    }
    scope.send({ type: 'storage.reserved' });
  });
}
