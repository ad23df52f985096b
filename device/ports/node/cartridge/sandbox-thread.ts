/**
 * The thread cartridges run on: one worker (sandbox-worker.mjs) with a limited heap, started
 * on first use, given one job at a time, and replaced whenever it dies. A wall-clock watchdog
 * backs up node:vm's CPU limit: a worker that does not answer in time is terminated, so no
 * cartridge can keep a play from ending. The worker does not keep the process alive while idle.
 */
import { Worker } from 'node:worker_threads';
import { FairwayError } from '../../../../sdk/errors.js';

export interface SandboxJob {
  prelude: string;
  code: string;
  filename: string;
  timeoutMs: number;
  entry: string;
}

export type SandboxResult = { outcome: 'answer'; answer: string } | { outcome: 'timeout' | 'crashed'; message: string };

export interface SandboxThreadOptions {
  /** The worker's heap limit (old generation); a cartridge that needs more crashes. */
  memoryMb: number;
  /** How long past the CPU limit the watchdog waits once the worker is up (passing the job, compiling, making the context). */
  graceMs: number;
}

export class SandboxThread {
  private worker: Worker | undefined;
  /** Resolves when the current worker is up: the watchdog times the job, not the start-up. */
  private online: Promise<void> = Promise.resolve();
  private nextId = 0;
  /** Jobs run one after another; this is the tail of the queue. */
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: SandboxThreadOptions) {}

  run(job: SandboxJob): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(new FairwayError('closed', 'the cartridge executor was closed'));
    const result = this.queue.then(() => this.runNow(job));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private runNow(job: SandboxJob): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(new FairwayError('closed', 'the cartridge executor was closed'));
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<SandboxResult>((resolve) => {
      let settled = false;
      let watchdog: ReturnType<typeof setTimeout> | undefined;
      const settle = (result: SandboxResult, workerGone: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(watchdog);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
        if (workerGone) this.forget(worker);
        else worker.unref();
        resolve(result);
      };
      const onMessage = (message: { id: number } & SandboxResult) => {
        if (message.id === id) settle(message, false);
      };
      const onError = (error: Error & { code?: string }) =>
        settle({ outcome: 'crashed', message: error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `the program ran out of memory (${this.options.memoryMb} MB)` : `the sandbox thread failed: ${error.message}` }, true);
      const onExit = (code: number) => settle({ outcome: 'crashed', message: `the sandbox thread exited (code ${code})` }, true);
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      worker.ref();
      worker.postMessage({ id, ...job });
      void this.online.then(() => {
        if (settled) return;
        watchdog = setTimeout(() => {
          void worker.terminate();
          settle({ outcome: 'timeout', message: `the program did not end within ${job.timeoutMs + this.options.graceMs} ms` }, true);
        }, job.timeoutMs + this.options.graceMs);
      });
    });
  }

  private start(): Worker {
    if (!this.worker) {
      this.worker = new Worker(new URL('./sandbox-worker.mjs', import.meta.url), {
        resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb, maxYoungGenerationSizeMb: Math.max(4, Math.ceil(this.options.memoryMb / 4)), stackSizeMb: 4 },
        // The worker's own output (Node's warnings about a cartridge's promises) is dropped:
        // host.log is the cartridge's channel.
        stdout: true,
        stderr: true,
      });
      const worker = this.worker;
      // A worker that fails to start emits 'error' instead; the job's own listener answers it.
      this.online = new Promise((resolve) => worker.once('online', () => resolve()));
      worker.stdout.resume();
      worker.stderr.resume();
      // Between jobs too: an 'error' event with no listener would be thrown on this thread.
      worker.on('error', () => this.forget(worker)).on('exit', () => this.forget(worker));
      worker.unref();
    }
    return this.worker;
  }

  private forget(worker: Worker): void {
    if (this.worker === worker) this.worker = undefined;
    void worker.terminate();
  }

  /** Ends the worker; later plays are refused with `closed`. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }
}
