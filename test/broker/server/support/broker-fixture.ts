/**
 * One broker on an ephemeral 127.0.0.1 port per test, with everything it reports captured:
 * log records, up messages handed to the store, connects and disconnects.
 */
import { pino } from 'pino';
import { createBroker, type Broker, type BrokerOptions, type UpMessageInfo } from '../../../../broker/server.js';
import { enrol, MemoryDirectory, TestClock, type TestDevice } from './devices.js';

export interface LogRecord {
  level: number;
  msg: string;
  reason?: string;
  code?: number;
  [key: string]: unknown;
}

export interface UpMessage {
  deviceId: string;
  type: string;
  payload: Uint8Array;
  info: UpMessageInfo;
}

export interface BrokerFixture {
  broker: Broker;
  directory: MemoryDirectory;
  clock: TestClock;
  logs: LogRecord[];
  up: UpMessage[];
  unroutable: UpMessage[];
  /** `connect <id>` / `disconnect <id>`, in the order the broker reported them. */
  events: string[];
  url: string;
  enrol(id: string): TestDevice;
  /** Log records with this message. */
  logged(msg: string): LogRecord[];
  close(): Promise<void>;
}

type FixtureOptions = Partial<Omit<BrokerOptions, 'directory' | 'onMessage' | 'clock' | 'logger'>>;

export async function startBroker(options: FixtureOptions = {}): Promise<BrokerFixture> {
  const directory = new MemoryDirectory();
  const clock = new TestClock();
  const logs: LogRecord[] = [];
  const up: UpMessage[] = [];
  const unroutable: UpMessage[] = [];
  const events: string[] = [];
  // Records go to memory, not the console: tests assert on them (every refusal has a reason).
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as LogRecord) });
  const broker = await createBroker({
    ...options,
    directory,
    clock,
    logger,
    onMessage: (deviceId, type, payload, info) => void up.push({ deviceId, type, payload, info }),
    onUnroutable: (deviceId, type, payload, info) => void unroutable.push({ deviceId, type, payload, info }),
    onConnect: (deviceId) => void events.push(`connect ${deviceId}`),
    onDisconnect: (deviceId) => void events.push(`disconnect ${deviceId}`),
  });
  return {
    broker,
    directory,
    clock,
    logs,
    up,
    unroutable,
    events,
    url: `mqtt://127.0.0.1:${broker.ports.tcp}`,
    enrol: (id) => enrol(directory, clock, id),
    logged: (msg) => logs.filter((r) => r.msg === msg),
    close: () => broker.close(),
  };
}

/** Polls until `check` holds, or fails after `timeoutMs`. */
export async function waitUntil(check: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Gives the broker time to (not) do something, for negative assertions. */
export const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms));
