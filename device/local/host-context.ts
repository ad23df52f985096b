/**
 * What the host's message handlers see: the session's fixed facts (licence, manifest), its
 * seats and notices, and one connection's state. Handlers get this and nothing more, so each
 * stays one small file (the aedes habit: one handler per message, a small dispatcher).
 */
import type { Clock } from '../../sdk/hal/clock.js';
import type { Licence } from '../../sdk/licence/index.js';
import type { HostMessage } from '../../sdk/local/index.js';
import type { Manifest } from '../../sdk/manifest/index.js';
import type { NoticeStore } from './notice-store.js';
import type { SeatTable } from './seat-table.js';

export interface HostEvents {
  joined(info: { peer: string; seat: number; rejoined: boolean }): void;
  refused(info: { peer: string; code: 'seats-full' | 'licence-expired' | 'refused' }): void;
  /** A notice was kept durably (`fresh`: this call wrote it; false for a resend). */
  notice(info: { peer: string; seat: number; fresh: boolean }): void;
  /** A body the host could not take: answered with `error`; `closed` when the connection was closed for it. */
  badInput(info: { code: string; message: string; closed: boolean }): void;
  ended(info: { reason: 'host-ended' | 'licence-expired' }): void;
}

/** What travels through the one outbound function: any host message, without `v`. */
export type HostOutbound = HostMessage extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

export interface HostConnectionState {
  /** The peer this connection joined as, once it has. */
  peer: string | null;
  seat: number | null;
  /** Sends through the connection's one outbound function; never throws (a dead link is the read loop's to notice). */
  send(message: HostOutbound): Promise<void>;
  /** Queues chunk indexes for the connection's pump; false when the queue is full (answer `busy`). */
  enqueueChunks(rid: number, indexes: readonly number[]): boolean;
  /** Sends an `error` and closes this connection only. */
  fail(code: string, message: string, rid?: number): Promise<void>;
}

export interface HostContext {
  readonly licence: Licence;
  readonly licenceBytes: Uint8Array;
  readonly manifest: Manifest;
  readonly manifestBytes: Uint8Array;
  readonly chunkCount: number;
  readonly windowMax: number;
  readonly clock: Clock;
  readonly seats: SeatTable;
  readonly notices: NoticeStore;
  readonly events: Partial<HostEvents>;
  /** The session is over (ended, or past `exp`). */
  isOver(): boolean;
  approve(peer: string): Promise<boolean>;
  /** Another connection of the same peer (a rejoin after a drop the host has not noticed yet) is closed. */
  retire(peer: string, keep: HostConnectionState): void;
}
