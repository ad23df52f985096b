/**
 * `fairway store serve` as a child process, the way an operator (or HAProxy's host) runs it:
 * its pino log lines collected as they come, its ports read from the "serving" line, and
 * signals sent to it by its own pid.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export const BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;

export interface LogLine {
  msg?: string;
  level?: number;
  time?: number;
  [key: string]: unknown;
}

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly mqtt: number;
  readonly metrics: number;
  readonly logs: LogLine[];
  readonly stderr: () => string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  waitForLog(msg: string, timeoutMs?: number): Promise<LogLine>;
  get(path: string): Promise<{ status: number; body: string }>;
  /** SIGKILL if still running: for finally blocks. */
  kill(): void;
}

export async function startServe(args: string[], timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'store', 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const waiters: { msg: string; resolve: (l: LogLine) => void }[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    logs.push(line);
    for (const w of waiters.filter((x) => x.msg === line.msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (msg: string, ms = 30_000): Promise<LogLine> => {
    const seen = logs.find((l) => l.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log line within ${ms} ms; stderr: ${stderr}`)), ms);
      waiters.push({ msg, resolve: (l) => (clearTimeout(timer), resolve(l)) });
      void exited.then((code) => reject(new Error(`serve exited (${code}) before "${msg}"; stderr: ${stderr}`)));
    });
  };
  const serving = await waitForLog('fairway store serving', timeoutMs).catch((e: unknown) => {
    child.kill('SIGKILL');
    throw e;
  });
  const metrics = serving['metrics'] as number;
  return {
    child,
    mqtt: serving['mqtt'] as number,
    metrics,
    logs,
    stderr: () => stderr,
    exited,
    waitForLog,
    async get(path) {
      const res = await fetch(`http://127.0.0.1:${metrics}${path}`);
      return { status: res.status, body: await res.text() };
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** One `fairway …` command to completion. */
export function runFairway(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
