/**
 * The events a terminal reports to its UI (or the simulator): a tiny typed emitter, because
 * the portable core cannot use node:events.
 */
import type { DownloadProgressEvent } from './actors/download.js';
import type { MenuEntry } from './actors/runtime.js';
import type { Results } from './executor/executor.js';
import type { DeletionCandidate } from './storage/storage-errors.js';
import type { TerminalContext } from './machine/types.js';

export interface TerminalEvents {
  /** Every state change: the dotted state path and the context. */
  state: { state: string; context: TerminalContext };
  progress: DownloadProgressEvent;
  menu: MenuEntry[];
  radio: { online: boolean; reason?: string; retryInMs?: number; attempt?: number };
  /** A chunk of the part being downloaded arrived: stored, a duplicate, or rejected (bad hash). */
  chunk: { part: string; index: number; outcome: 'stored' | 'duplicate' | 'rejected' };
  receipt: { part: string; transfer: string; rid: number };
  /** The store confirmed the charge for a part; `last` when it was the title's last part. */
  charged: { part: string; transfer: string; price: number; balance: number; last: boolean };
  play: { part: string; seq: number };
  played: { part: string; results: Results; continue: boolean };
  storageFull: { neededBytes: number; freeBytes: number; freeableBytes: number; candidates: DeletionCandidate[] };
  /** Something the terminal dropped or could not do, for logs. */
  warning: { message: string };
}

type Listener<T> = (value: T) => void;

export class TerminalEmitter {
  private readonly listeners = new Map<keyof TerminalEvents, Set<Listener<never>>>();

  on<K extends keyof TerminalEvents>(event: K, listener: Listener<TerminalEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  emit<K extends keyof TerminalEvents>(event: K, value: TerminalEvents[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as Listener<TerminalEvents[K]>)(value);
      } catch {
        // A UI listener's bug must not stop the terminal.
      }
    }
  }
}
