/**
 * The fleet bench's options: sizes, rounds and budgets, their defaults (the issues' goals),
 * the two sizes read from the environment, and the checks that refuse a bad one before
 * anything starts.
 */
import { FairwayError } from '../../../sdk/errors.js';
import { MOST_PUBLISHER_CLIENTS } from './host-protocol.js';
import { DEFAULT_PUBLISHER_CLIENTS } from './publisher-process.js';

export interface FleetBenchOptions {
  /** Terminals to connect and log in at once (FAIRWAY_BENCH_FLEET_CONNECTED; goal 10,000). */
  connected: number;
  /** Of those, terminals streaming at once (FAIRWAY_BENCH_FLEET_STREAMING; goal 1,000). */
  streaming: number;
  /** Terminals, and raw subscribers, in the loopback comparison (100). */
  loopbackTerminals: number;
  /** Rounds of raw (in-process and pub/sub) and store windows taken in turn; ratios are medians of the rounds (5). */
  ratioRounds: number;
  /** Distinct 256 KiB requests one terminal sends in the abuse phase (1,000: 250 MiB; fleet/abuse.ts). */
  abuseRequests: number;
  /** Terminals in the login-rate phase, whose users' passwords use production's scrypt parameters (200; fleet/login-rates.ts). */
  productionLogins: number;
  /** Rounds of the slow-consumer phase (3): each a window without and one with a stalled reader (fleet/slow-consumer.ts). */
  slowConsumerRounds: number;
  /** Publisher clients of the raw aedes pub/sub yardstick, all in one process of their own (4; publisher-process.ts says why). */
  publisherClients: number;
  /** No new connection is started after this long in the connect phase. */
  connectBudgetMs: number;
  /** The streaming phase gives up waiting for every terminal's first chunk after this long. */
  streamBudgetMs: number;
  /** Progress lines (stderr by default). */
  log: (line: string) => void;
}

const DEFAULTS = { connected: 10_000, streaming: 1_000, loopbackTerminals: 100, ratioRounds: 5, slowConsumerRounds: 3, abuseRequests: 1_000, productionLogins: 200, publisherClients: DEFAULT_PUBLISHER_CLIENTS, connectBudgetMs: 150_000, streamBudgetMs: 60_000 };
export function fleetOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): FleetBenchOptions {
  return {
    ...DEFAULTS,
    connected: countFromEnv(env, 'FAIRWAY_BENCH_FLEET_CONNECTED', DEFAULTS.connected),
    streaming: countFromEnv(env, 'FAIRWAY_BENCH_FLEET_STREAMING', DEFAULTS.streaming),
    log: (line) => process.stderr.write(`fleet: ${line}\n`),
  };
}

function countFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1 || value > 100_000) {
    throw new FairwayError('invalid-argument', `${name} must be a whole number of terminals in 1–100000, not ${JSON.stringify(text)}`, name);
  }
  return value;
}

export function checkOptions(durationMs: number, o: FleetBenchOptions): void {
  if (!Number.isFinite(durationMs) || durationMs <= 0) throw new FairwayError('invalid-argument', `durationMs must be a positive number, not ${durationMs}`, 'durationMs');
  for (const name of ['connected', 'streaming', 'loopbackTerminals', 'ratioRounds', 'slowConsumerRounds', 'abuseRequests', 'productionLogins', 'publisherClients'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw new FairwayError('invalid-argument', `${name} must be a whole number ≥ 1, not ${o[name]}`, name);
  }
  if (o.publisherClients > MOST_PUBLISHER_CLIENTS) {
    throw new FairwayError('invalid-argument', `publisherClients must be at most ${MOST_PUBLISHER_CLIENTS}, not ${o.publisherClients}`, 'publisherClients');
  }
  for (const name of ['connectBudgetMs', 'streamBudgetMs'] as const) {
    if (!Number.isFinite(o[name]) || o[name] <= 0) throw new FairwayError('invalid-argument', `${name} must be a positive number, not ${o[name]}`, name);
  }
}

