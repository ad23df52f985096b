/**
 * A RadioLink whose broker side the test holds: every connection's broker end is kept in
 * `brokerEnds`, in connect order, and what arrives there is logged with its virtual time.
 */
import type { Duplex } from 'node:stream';
import { RadioLink, SimClock, SimRandom, resolveProfile, type BrokerEnd, type RadioProfileInput } from '../../../../sim/hal/index.js';

export interface Arrival {
  atMs: number;
  bytes: Uint8Array;
}

export interface RadioHarness {
  time: SimClock;
  link: RadioLink;
  brokerEnds: BrokerEnd[];
  /** What each broker end received, by connection number. */
  arrivals: Arrival[][];
}

export function radioHarness(profile: RadioProfileInput, seed: number): RadioHarness {
  const time = new SimClock();
  const brokerEnds: BrokerEnd[] = [];
  const arrivals: Arrival[][] = [];
  const attach = (stream: Duplex): void => {
    const log: Arrival[] = [];
    arrivals.push(log);
    brokerEnds.push(stream as BrokerEnd);
    stream.on('data', (chunk: Buffer) => log.push({ atMs: time.monotonicMs(), bytes: new Uint8Array(chunk) }));
    // A reset destroys the stream with an error; the test reads that from the terminal's side.
    stream.on('error', () => undefined);
  };
  const link = new RadioLink(resolveProfile(profile), time, SimRandom.fromSeed(seed).fork('link'), attach);
  return { time, link, brokerEnds, arrivals };
}

/** The bytes of `log` run together. */
export function joined(log: readonly Arrival[]): Uint8Array {
  const out = new Uint8Array(log.reduce((sum, arrival) => sum + arrival.bytes.length, 0));
  let at = 0;
  for (const { bytes } of log) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}
