/**
 * One `node bin/fairway.js store serve` child process of a test cluster: spawned with the
 * flags a cluster node gets, its stdout read as pino JSON lines (kept whole, for assertions,
 * and watched for the "serving" line that names its ports), and signalled the ways a fault
 * test needs: SIGKILL (a crash), SIGSTOP/SIGCONT (a hung node), SIGINT (stop now).
 *
 * A child must never outlive the test process: every live one is SIGKILLed when the process
 * exits, whatever the test did (a failure that skipped afterAll, an uncaught error).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NodeLog, type LogLine } from './node-log.js';

export const FAIRWAY_BIN = new URL('../../bin/fairway.js', import.meta.url).pathname;

export interface ServeFlags {
  nodeId: string;
  dataDir: string;
  databaseUrl: string;
  /** Absent: a single node (no --redis, --node-id), the baseline `fairway bench cluster` compares a cluster node with. */
  redisUrl?: string;
  /** Absent: the key in the data folder. */
  storeKeyFile?: string;
  /** 0 (default): any free port. A restart passes the old one, so the balancer's config stays valid. */
  port?: number;
  metricsPort?: number;
  logLevel?: string;
  /** More `serve` flags (e.g. `--content-cache-mib 8`). */
  extraArgs?: readonly string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const STDERR_TAIL_CHARS = 8192;
const live = new Set<ChildProcess>();
let reaperInstalled = false;

function installReaper(): void {
  if (reaperInstalled) return;
  reaperInstalled = true;
  // 'exit' listeners must be synchronous; process.kill is. SIGCONT first would be pointless:
  // SIGKILL ends a stopped process too.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export function serveArgs(flags: ServeFlags): string[] {
  return [
    FAIRWAY_BIN, 'store', 'serve',
    '--db', flags.databaseUrl,
    ...(flags.redisUrl !== undefined ? ['--redis', flags.redisUrl, '--node-id', flags.nodeId] : []),
    ...(flags.storeKeyFile !== undefined ? ['--store-key', flags.storeKeyFile] : []),
    '--data', flags.dataDir,
    '--host', '127.0.0.1',
    '--port', String(flags.port ?? 0),
    '--metrics-port', String(flags.metricsPort ?? 0),
    '--log-level', flags.logLevel ?? 'info',
    ...(flags.extraArgs ?? []),
  ];
}

export class ServeProcess {
  readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private stderrTail = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly log: NodeLog,
    readonly incarnation: number,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitStatus = { code, signal };
        // Its connections died with it: the log must not claim devices are still on it.
        log.forgetConnections();
        resolve(this.exitStatus);
      });
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL_CHARS)));
  }

  /**
   * Spawns the node and resolves once it logged "fairway store serving" (its ports known);
   * rejects — after making sure it is gone — if it exits or stays silent past `timeoutMs`.
   */
  static async start(flags: ServeFlags, log: NodeLog, incarnation: number, timeoutMs = 60_000): Promise<{ proc: ServeProcess; mqttPort: number; metricsPort: number }> {
    installReaper();
    const child = spawn(process.execPath, serveArgs(flags), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    live.add(child);
    const proc = new ServeProcess(child, log, incarnation);
    const serving = new Promise<{ mqttPort: number; metricsPort: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${flags.nodeId} did not log "fairway store serving" within ${timeoutMs} ms:\n${proc.lastWords()}`)), timeoutMs);
      createInterface({ input: child.stdout! }).on('line', (text) => {
        const line = log.add(text, incarnation);
        if (line?.msg === 'fairway store serving') {
          clearTimeout(timer);
          const mqttPort = Number(line['mqtt']);
          const metricsPort = Number(line['metrics']);
          if (!(mqttPort > 0 && metricsPort > 0)) reject(new Error(`${flags.nodeId} logged no mqtt/metrics port: ${text}`));
          else resolve({ mqttPort, metricsPort });
        }
      });
      void proc.exited.then((status) => {
        clearTimeout(timer);
        reject(new Error(`${flags.nodeId} exited while starting (code ${status.code}, signal ${status.signal}):\n${proc.lastWords()}`));
      });
    });
    try {
      const ports = await serving;
      return { proc, ...ports };
    } catch (e) {
      await proc.kill9();
      throw e;
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** Its last stderr and log lines, for an error message. */
  lastWords(): string {
    const lines = this.log.lines.filter((l) => l.incarnation === this.incarnation).slice(-15).map((l) => l.raw);
    return [...lines, this.stderrTail.trim()].filter((s) => s.length > 0).join('\n');
  }

  /** SIGKILL: a crash. Resolves once the process is gone. */
  async kill9(): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill('SIGKILL');
    return this.exited;
  }

  pause(): void {
    if (this.running) this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.child.kill('SIGCONT');
  }

  /**
   * SIGINT (the serve command stops at once, without the balancer drain a SIGTERM does: a
   * test's teardown has no balancer to wait for), then SIGKILL after `graceMs`.
   */
  async stop(graceMs = 5_000): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.child.kill('SIGCONT'); // a paused node only acts on a signal once it runs again
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }
}

export type { LogLine };
