/**
 * The store's Crypto: NodeCrypto, except that Ed25519 verification runs on a worker thread.
 * A store verifies a signature for every receipt and every CONNECT, and on a small machine
 * that is a third of the main thread's work; the worker puts it on another core. Requests of
 * one turn of the event loop travel as one batch, so the cost of crossing threads is shared.
 */
import { Worker } from 'node:worker_threads';
import { NodeCrypto } from '../../device/ports/node/index.js';
import type { Crypto, Sha256 } from '../../sdk/hal/crypto.js';

interface Request {
  id: number;
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

interface Pending {
  request: Request;
  resolve(ok: boolean): void;
}

const SLICE = 8;

export class OffloadCrypto implements Crypto {
  private readonly local = new NodeCrypto();
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private batch: Request[] = [];
  private nextId = 0;
  /** Set when the worker has gone: everything is then verified on this thread. */
  private workerGone = false;

  constructor() {
    this.worker = new Worker(new URL('./verify-worker.mjs', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (answers: { id: number; ok: boolean }[]) => {
      for (const { id, ok } of answers) {
        this.pending.get(id)?.resolve(ok);
        this.pending.delete(id);
      }
    });
    // A worker that dies must not leave receipts unanswered: finish its work here.
    const fallBack = () => {
      this.workerGone = true;
      const left = [...this.pending.values()];
      this.pending.clear();
      for (const p of left) void this.local.verifyEd25519(p.request.publicKey, p.request.message, p.request.signature).then(p.resolve);
    };
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  sha256(): Sha256 {
    return this.local.sha256();
  }

  randomBytes(length: number): Uint8Array {
    return this.local.randomBytes(length);
  }

  verifyEd25519(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.workerGone) return this.local.verifyEd25519(publicKey, message, signature);
    return new Promise((resolve) => {
      const request: Request = { id: this.nextId++, publicKey, message, signature };
      this.pending.set(request.id, { request, resolve });
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push(request);
    });
  }

  /**
   * Small slices rather than one big batch: answers then come back while the worker is still
   * busy, so the main thread has the next receipts to work on instead of waiting for all.
   */
  private flush(): void {
    const batch = this.batch;
    this.batch = [];
    if (this.workerGone) return;
    for (let i = 0; i < batch.length; i += SLICE) this.worker.postMessage(batch.slice(i, i + SLICE));
  }

  async close(): Promise<void> {
    this.workerGone = true;
    await this.worker.terminate();
  }
}
