/**
 * Reserving flash for a part before its first byte [seed 000 claim 2, FW-7.7.2]: a part
 * already in its slot from an earlier transfer is kept when the new manifest describes the
 * same bytes (same hash, size and chunk size), so a lapsed hold costs no second download.
 */
import { PartDownload } from '../download/part-download.js';
import type { PartOffer } from '../machine/types.js';
import { StorageFullError } from '../storage/storage-errors.js';
import { effect } from './effect.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { storedManifest } from './part-files.js';
import type { TerminalRuntime } from './runtime.js';

/** Room for the persisted receipt record: rid + the `receipt` message (~420 bytes) + framing. */
export const RECEIPT_RECORD_BYTES = 1024;

export function reserveActor(rt: TerminalRuntime) {
  return effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
    const fresh = rt.manifests.get(offer.part);
    const existing = rt.storage.get(offer.part);
    const kept = existing ? await storedManifest(rt, offer.part) : null;
    if (!fresh && !kept) {
      // Power was lost between the offer and its reservation: ask for the offer again.
      return scope.send({ type: 'store.holdExpired' });
    }
    if (existing && fresh) {
      const next = (await manifestArtefact.open(fresh, rt.storePublicKey, rt.hal.crypto)).payload;
      const sideBytes = fresh.length + Math.ceil(offer.chunkCount / 8) + RECEIPT_RECORD_BYTES;
      if (!kept || !PartDownload.canKeep(kept, next) || sideBytes > existing.sideBytes) await rt.storage.release(offer.part);
    }
    if (!rt.storage.get(offer.part)) {
      const manifestBytes = fresh as Uint8Array;
      try {
        await rt.storage.reserve({
          part: offer.part,
          title: offer.title,
          seq: offer.seq,
          base: offer.base,
          dataBytes: offer.sizeBytes,
          sideBytes: manifestBytes.length + Math.ceil(offer.chunkCount / 8) + RECEIPT_RECORD_BYTES,
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
      await rt.storage.write(offer.part, 'man', 0, fresh);
      rt.manifests.delete(offer.part);
    }
    scope.send({ type: 'storage.reserved' });
  });
}
