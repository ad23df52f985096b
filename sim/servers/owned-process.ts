/**
 * A server process this Node process owns: spawned in its own process group (so a signal
 * reaches a master and its workers alike: HAProxy forks), never keeping Node alive by itself,
 * and SIGKILLed when Node exits or is told to stop — a test run that crashes or forgets to
 * stop a server must not leave a Redis or an HAProxy holding a port behind.
 *
 * What cannot be covered: Node itself being SIGKILLed (nothing runs then).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface OwnedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  hasExited(): boolean;
  /** The last few KiB of its stdout and stderr, for error messages. */
  output(): string;
  /** Counts the output lines matching `pattern` from now on; read the count with the function returned. */
  countLines(pattern: RegExp): () => number;
  /** Sends `signal` to the whole process group. No-op once exited. */
  signalGroup(signal: NodeJS.Signals): void;
  /** Sends `signal` to the process itself only (e.g. SIGUSR2 to HAProxy's master). */
  signalLeader(signal: NodeJS.Signals): void;
  /** SIGTERM to the group (and SIGCONT, in case it is paused), SIGKILL after `graceMs`; resolves once exited. */
  stop(graceMs?: number): Promise<ExitStatus>;
  /** SIGKILL to the group; resolves once exited. */
  kill(): Promise<ExitStatus>;
}

export interface SpawnOptions {
  cwd?: string;
  /**
   * A scratch folder the server owns, removed (synchronously, best effort) if Node exits
   * while the server still runs. An orderly stop() leaves its removal to the caller.
   */
  scratchDir?: string;
}

const OUTPUT_TAIL_BYTES = 8192;
const live = new Map<OwnedProcess, string | undefined>();

function killAllNow(): void {
  for (const [owned, scratchDir] of live) {
    owned.signalGroup('SIGKILL');
    if (scratchDir) rmSync(scratchDir, { recursive: true, force: true });
  }
}

let reaperInstalled = false;
function installReaper(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  // 'exit' handlers must be synchronous: process.kill is.
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllNow();
      // Listening for a signal replaces Node's default (exit). If nobody else listens, restore
      // the default and re-raise, so the process still ends the way it would have.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Spawns `binary args…` with stdin closed and stdout/stderr captured into a small tail. */
export function spawnOwned(binary: string, args: string[], options: SpawnOptions = {}): OwnedProcess {
  installReaper();
  const child = spawn(binary, args, { cwd: options.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let partialLine = '';
  const counters: Array<{ pattern: RegExp; count: number }> = [];
  const keep = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    tail = (tail + text).slice(-OUTPUT_TAIL_BYTES);
    if (counters.length === 0) return;
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop() ?? '';
    for (const line of lines) for (const c of counters) if (c.pattern.test(line)) c.count++;
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  // A harness server must never be what keeps a test process running.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();

  let exitedFlag = false;
  let owned: OwnedProcess;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (error) => {
      keep(Buffer.from(`spawn ${binary}: ${error.message}\n`));
      exitedFlag = true;
      live.delete(owned);
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(owned);
      resolve({ code, signal });
    });
  });
  const pid = child.pid ?? -1;

  const signalGroup = (signal: NodeJS.Signals): void => {
    if (exitedFlag || pid <= 0) return;
    try {
      process.kill(-pid, signal); // negative pid: the whole process group (detached: its own)
    } catch {
      // ESRCH: it died between the check and the signal.
    }
  };
  owned = {
    pid,
    exited,
    hasExited: () => exitedFlag,
    output: () => tail,
    countLines: (pattern) => {
      const counter = { pattern, count: 0 };
      counters.push(counter);
      return () => counter.count;
    },
    signalGroup,
    signalLeader: (signal) => {
      if (!exitedFlag && pid > 0) child.kill(signal);
    },
    async stop(graceMs = 5000) {
      signalGroup('SIGTERM');
      signalGroup('SIGCONT'); // a SIGSTOPped process only acts on SIGTERM once it runs again
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      const status = await exited;
      clearTimeout(timer);
      return status;
    },
    async kill() {
      signalGroup('SIGKILL');
      return exited;
    },
  };
  if (pid > 0) live.set(owned, options.scratchDir);
  return owned;
}
