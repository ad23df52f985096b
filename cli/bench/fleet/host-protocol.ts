/**
 * What the fleet bench and its broker host process say to each other over the fork IPC
 * channel. The broker runs in a process of its own so that its memory can be measured apart
 * from the thousands of clients driving it; these few messages are all that crosses over.
 */

/** `store`: the real Fairway store (startStore); `raw`: a bare aedes, the yardstick. */
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
  connected: number;
  cpuMs: number;
}

export interface PumpStart {
  /** One topic per subscriber, served round robin. */
  topics: string[];
  payloadBytes: number;
  /** Publishes awaiting aedes' callback at once: the store's chunk pump allows 64. */
  inFlight: number;
}

export type HostRequest =
  | { id: number; op: 'memory' }
  | { id: number; op: 'usage' }
  | { id: number; op: 'pump-start'; pump: PumpStart }
  | { id: number; op: 'pump-stop' }
  | { id: number; op: 'close' };

export type HostReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** The first message a host sends: it is listening on 127.0.0.1:`port`. */
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
