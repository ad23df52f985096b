/**
 * Streaming one part [FW-7]: keeps windows of missing chunks in flight as the downloader's
 * controller allows, hands every arriving chunk to it (verified, then written, then its bit
 * cleared), re-asks when a window times out, forgets in-flight windows on a drop and asks
 * only for what is still missing once the radio is back. A refusal of the transfer (hold
 * lapsed, unknown) sends the machine back for a new offer; the chunks already stored stay.
 */
import type { Timer } from '../../sdk/hal/clock.js';
import { PartDownload } from '../download/part-download.js';
import type { PartOffer } from '../machine/types.js';
import { effect } from './effect.js';
import { fromHex, toHex } from './hex.js';
import { managerPartFiles, storedManifest } from './part-files.js';
import type { DownloadHooks, TerminalRuntime } from './runtime.js';

export interface DownloadProgressEvent {
  part: string;
  transfer: string;
  receivedBytes: number;
  totalBytes: number;
  receivedChunks: number;
  totalChunks: number;
  rejectedChunks: number;
  resentChunks: number;
  windowChunks: number;
  chunkBytes: number;
  rttMs: number | null;
  /** Bytes per second stored since this download (re)started. */
  rateBytesPerS: number;
  /** Estimated time to the last byte at that rate; null before anything arrived. */
  etaMs: number | null;
}

export async function openDownload(rt: TerminalRuntime, offer: PartOffer): Promise<PartDownload | null> {
  const manifest = await storedManifest(rt, offer.part);
  if (!manifest || toHex(manifest.hash) !== offer.partHash) return null;
  return PartDownload.open({ manifest, crypto: rt.hal.crypto, files: managerPartFiles(rt.storage, offer.part), windowMax: offer.windowMax, config: rt.downloadConfig ?? {} });
}

export function downloadActor(rt: TerminalRuntime) {
  return effect<{ offer: PartOffer }>(async ({ offer }, scope) => {
    const dl = await openDownload(rt, offer);
    if (!dl) return scope.send({ type: 'store.holdExpired' }); // slot lost its manifest: offer again
    const clock = rt.hal.clock;
    const transfer = fromHex(offer.transfer);
    const startedMs = clock.monotonicMs();
    const startBytes = dl.progress().receivedBytes;
    let timer: Timer | null = null;
    let done = false;

    const progress = (): DownloadProgressEvent => {
      const p = dl.progress();
      const s = dl.stats();
      const elapsedMs = Math.max(1, clock.monotonicMs() - startedMs);
      const rateBytesPerS = ((p.receivedBytes - startBytes) * 1000) / elapsedMs;
      return {
        part: offer.part,
        transfer: offer.transfer,
        receivedBytes: p.receivedBytes,
        totalBytes: p.totalBytes,
        receivedChunks: p.receivedChunks,
        totalChunks: p.totalChunks,
        rejectedChunks: p.rejectedChunks,
        resentChunks: p.resentChunks,
        windowChunks: s.window.windowChunks,
        chunkBytes: offer.chunkBytes,
        rttMs: s.window.rttMs,
        rateBytesPerS: Math.round(rateBytesPerS),
        etaMs: rateBytesPerS > 0 ? Math.round(((p.totalBytes - p.receivedBytes) * 1000) / rateBytesPerS) : null,
      };
    };

    const stop = () => {
      done = true;
      timer?.cancel();
      if (rt.download === hooks) rt.download = null;
    };

    const finish = async () => {
      if (done) return;
      stop();
      await dl.flush();
      rt.emitter.emit('progress', progress());
      scope.send({ type: 'part.downloaded' });
    };

    const arm = () => {
      timer?.cancel();
      timer = null;
      const deadline = dl.nextDeadlineMs();
      if (deadline === null || done) return;
      timer = clock.setTimer(Math.max(0, deadline - clock.monotonicMs()), () => {
        dl.onTick(clock.monotonicMs());
        void pump();
      });
    };

    const pump = async (): Promise<void> => {
      if (done || scope.stopped()) return;
      if (dl.isComplete()) return finish();
      for (let w = dl.nextRequest(clock.monotonicMs()); w; w = dl.nextRequest(clock.monotonicMs())) {
        const rid = await rt.session.requestChunks({ transfer, ...w.form });
        if (rid === null) {
          dl.cancelWindow(w.id); // offline: asked again once the radio is back
          break;
        }
      }
      arm();
    };

    const hooks: DownloadHooks = {
      chunk: async (chunk) => {
        if (done || chunk.x.length !== transfer.length || toHex(chunk.x) !== offer.transfer) return;
        const outcome = await dl.onChunk(chunk.i, chunk.d, clock.monotonicMs());
        rt.emitter.emit('chunk', { part: offer.part, index: chunk.i, outcome });
        rt.emitter.emit('progress', progress());
        if (dl.isComplete()) await finish();
        else void pump();
      },
      chunkReply: (reply) => {
        if (done) return;
        if (reply.t === 'refusal' && (reply.code === 'hold-expired' || reply.code === 'unknown-transfer')) {
          stop();
          void dl.flush().finally(() => scope.send({ type: 'store.holdExpired' }));
        }
        // Anything else (busy, rate-limited): the window's timeout asks again, slower.
      },
      online: () => void pump(),
      offline: () => {
        dl.onLinkDrop(clock.monotonicMs());
        arm();
      },
    };
    rt.download = hooks;
    scope.onStop(() => {
      stop();
      void dl.flush().catch(() => undefined);
    });
    if (dl.isComplete()) return finish();
    rt.emitter.emit('progress', progress());
    if (rt.session.online) await pump();
  });
}
