/**
 * What the fleet bench and its helper processes say to each other over the fork IPC channel.
 * The broker runs in a process of its own so that its memory can be measured apart from the
 * thousands of clients driving it, and the pub/sub yardstick's publishers run in another so
 * that the bench's own CPU stays the subscribers' and terminals'; these few messages are all
 * that crosses over. The publisher host answers the same requests but `memory`.
 */
import { FairwayError } from '../../../sdk/errors.js';

/** `store`: the real Fairway store (startStore); `raw`: a bare aedes, both yardsticks' broker. */
export type HostMode = 'store' | 'raw';

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  /** Clients the broker counts as connected: terminals for `store`, every client for `raw`. */
  connected: number;
  /** CPU time the host process has used so far (user + system). */
  cpuMs: number;
}

/** Cheap to take (no GC): for CPU shares during a throughput window. */
export interface UsageSample {
  /** Clients connected: to the broker, or (publisher host) its publisher clients still open. */
  connected: number;
  cpuMs: number;
}

export interface PumpStart {
  /** One topic per subscriber, served round robin. */
  topics: string[];
  payloadBytes: number;
  /**
   * Publishes in flight at once (the store's chunk pump allows 64). In the raw broker host:
   * awaiting aedes' publish callback. In the publisher host: handed to a client and not yet
   * taken by its socket, shared out evenly over the clients.
   */
  inFlight: number;
}

/** The most publisher clients a publisher host runs: more would be a publisher fleet, not a yardstick. */
export const MOST_PUBLISHER_CLIENTS = 256;

/** Refuses a pump that could publish nothing, or without bound, before anything is sent. */
export function checkPumpStart(pump: PumpStart): void {
  if (pump.topics.length === 0) throw new FairwayError('invalid-argument', 'the pump needs at least one topic', 'topics');
  if (!Number.isSafeInteger(pump.payloadBytes) || pump.payloadBytes < 1) throw new FairwayError('invalid-argument', `payloadBytes must be a whole number ≥ 1, not ${pump.payloadBytes}`, 'payloadBytes');
  if (!Number.isSafeInteger(pump.inFlight) || pump.inFlight < 1) throw new FairwayError('invalid-argument', `inFlight must be a whole number ≥ 1, not ${pump.inFlight}`, 'inFlight');
}

export type HostRequest =
  | { id: number; op: 'memory' }
  | { id: number; op: 'usage' }
  | { id: number; op: 'pump-start'; pump: PumpStart }
  | { id: number; op: 'pump-stop' }
  | { id: number; op: 'close' };

export type HostReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/**
 * The first message a host sends: a broker host is listening on 127.0.0.1:`port`; the publisher
 * host has its clients connected to the broker on 127.0.0.1:`port`.
 */
export interface HostReady {
  ready: true;
  port: number;
}

export function isHostReady(message: unknown): message is HostReady {
  return typeof message === 'object' && message !== null && (message as HostReady).ready === true && typeof (message as HostReady).port === 'number';
}

export function isHostReply(message: unknown): message is HostReply {
  return typeof message === 'object' && message !== null && typeof (message as HostReply).id === 'number' && typeof (message as HostReply).ok === 'boolean';
}
