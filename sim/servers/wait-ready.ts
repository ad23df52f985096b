/**
 * Polls a started server until it answers, failing fast — with the server's own last words —
 * when it exits instead (a port taken, a bad config), rather than at the timeout.
 */
import { HarnessError } from './harness-error.js';
import type { OwnedProcess } from './owned-process.js';

const POLL_MS = 20;

export async function waitReady(what: string, proc: OwnedProcess, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.hasExited()) {
      const status = await proc.exited;
      throw new HarnessError('start-failed', `${what} exited while starting (code ${status.code}, signal ${status.signal}):\n${proc.output()}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new HarnessError('start-failed', `${what} did not answer within ${timeoutMs} ms:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
