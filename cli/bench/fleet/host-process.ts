/**
 * The bench's handle on a helper process: fork it (through a .mjs entry that loads tsx, so no
 * build step), wait until it is ready, ask it questions, close it. Its stdout (logs) goes to our
 * stderr, so the figures on our stdout stay clean. Two kinds share this: the broker host
 * (broker-host.ts, a store or a bare aedes) and the pub/sub yardstick's publisher host
 * (publisher-process.ts); both speak host-protocol.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { FairwayError } from '../../../sdk/errors.js';
import { isHostReady, isHostReply, type HostMode, type HostReply, type HostRequest, type MemorySample, type PumpStart, type UsageSample } from './host-protocol.js';

const BROKER_ENTRY = new URL('./host-entry.mjs', import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 10_000;

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;

/** A forked helper process that answers host-protocol requests. */
export class HostProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: HostReply) => void>();

  protected constructor(
    private readonly child: ChildProcess,
    /** The port its ready message named: where a broker listens, or where publishers publish. */
    readonly port: number,
    private readonly name: string,
  ) {
    child.on('message', (message: unknown) => {
      if (!isHostReply(message)) return;
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message);
    });
    child.once('exit', (code) => {
      const gone: HostReply = { id: 0, ok: false, error: `the ${name} exited (code ${String(code)})` };
      for (const resolve of this.waiting.values()) resolve(gone);
      this.waiting.clear();
    });
  }

  /** Forks `entry` with `args` and resolves once it has said it is ready, with the port it named. */
  protected static async fork(entry: string, args: string[], execArgv: string[], name: string): Promise<{ child: ChildProcess; port: number }> {
    const child = fork(entry, args, { execArgv, stdio: ['ignore', 2, 2, 'ipc'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FairwayError('timeout', `the ${name} did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new FairwayError('closed', `the ${name} exited with code ${String(code)} before it was ready`));
        });
        child.on('message', (message: unknown) => {
          if (!isHostReady(message)) return;
          clearTimeout(timer);
          resolve(message.port);
        });
      });
      return { child, port };
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  usage(): Promise<UsageSample> {
    return this.request({ op: 'usage' }) as Promise<UsageSample>;
  }

  async pumpStart(pump: PumpStart): Promise<void> {
    await this.request({ op: 'pump-start', pump });
  }

  async pumpStop(): Promise<void> {
    await this.request({ op: 'pump-stop' });
  }

  /** Asks the process to close what it runs and exit; kills it if it has not exited in time. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const killer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
    try {
      await this.request({ op: 'close' }).catch(() => this.child.kill('SIGKILL'));
      await exited;
    } finally {
      clearTimeout(killer);
    }
  }

  protected request(body: WithoutId<HostRequest>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new FairwayError('timeout', `the ${this.name} did not answer ${body.op} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result);
        else reject(new FairwayError('io', `the ${this.name} failed ${body.op}: ${reply.error}`));
      });
      this.child.send({ ...body, id } as HostRequest);
    });
  }
}

/** A broker host process: the real store, or a bare aedes (the yardsticks), listening on `port`. */
export class BrokerHost extends HostProcess {
  static async start(mode: HostMode, dataDir?: string): Promise<BrokerHost> {
    const name = `${mode} broker host`;
    const { child, port } = await HostProcess.fork(BROKER_ENTRY, dataDir ? [mode, dataDir] : [mode], ['--expose-gc'], name);
    return new BrokerHost(child, port, name);
  }

  memory(): Promise<MemorySample> {
    return this.request({ op: 'memory' }) as Promise<MemorySample>;
  }
}
