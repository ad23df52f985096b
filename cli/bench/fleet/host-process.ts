/**
 * The bench's handle on a broker host process (broker-host.ts): fork it with --expose-gc, wait
 * until it listens, ask it questions, close it. Its stdout (logs) goes to our stderr, so the
 * figures on our stdout stay clean.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { FairwayError } from '../../../sdk/errors.js';
import { isHostReady, isHostReply, type HostMode, type HostReply, type HostRequest, type MemorySample, type PumpStart, type UsageSample } from './host-protocol.js';

const ENTRY = new URL('./host-entry.mjs', import.meta.url).pathname;
const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 120_000;
const EXIT_GRACE_MS = 10_000;

type WithoutId<R> = R extends unknown ? Omit<R, 'id'> : never;

export class BrokerHost {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: HostReply) => void>();

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.on('message', (message: unknown) => {
      if (!isHostReply(message)) return;
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      resolve?.(message);
    });
    child.once('exit', (code) => {
      const gone: HostReply = { id: 0, ok: false, error: `the broker host exited (code ${String(code)})` };
      for (const resolve of this.waiting.values()) resolve(gone);
      this.waiting.clear();
    });
  }

  static async start(mode: HostMode, dataDir?: string): Promise<BrokerHost> {
    const child = fork(ENTRY, dataDir ? [mode, dataDir] : [mode], { execArgv: ['--expose-gc'], stdio: ['ignore', 2, 2, 'ipc'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new FairwayError('timeout', `the ${mode} broker host did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new FairwayError('closed', `the ${mode} broker host exited with code ${String(code)} before listening`));
        });
        child.on('message', (message: unknown) => {
          if (!isHostReady(message)) return;
          clearTimeout(timer);
          resolve(message.port);
        });
      });
      return new BrokerHost(child, port);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  memory(): Promise<MemorySample> {
    return this.request({ op: 'memory' }) as Promise<MemorySample>;
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

  /** Asks the host to close its broker and exit; kills it if it has not exited in time. */
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

  private request(body: WithoutId<HostRequest>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new FairwayError('timeout', `the broker host did not answer ${body.op} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (reply) => {
        clearTimeout(timer);
        if (reply.ok) resolve(reply.result);
        else reject(new FairwayError('io', `the broker host failed ${body.op}: ${reply.error}`));
      });
      this.child.send({ ...body, id } as HostRequest);
    });
  }
}
