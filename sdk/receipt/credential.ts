/**
 * The MQTT CONNECT credential [FW-2.3]: username = device id, password = a COSE_Sign1 over
 * {device, time, nonce} made with the device key. Accepted only within the time window of
 * the store clock and only once per nonce (the store keeps each nonce until its credential time + the window).
 */
import { z } from 'zod';
import { defineArtefact } from '../cose/artefact.js';
import { FairwayError } from '../errors.js';
import { id, nonce, wallMs, PROTOCOL_VERSION } from '../wire/fields.js';

export const CredentialPayload = z.strictObject({ v: z.literal(PROTOCOL_VERSION), device: id, time: wallMs, nonce });
export type Credential = z.infer<typeof CredentialPayload>;
export const credentialArtefact = defineArtefact('connect', CredentialPayload, 256);

/** Refuses a credential whose time is outside ±windowMs of `nowMs`. */
export function checkCredentialTime(credential: Credential, nowMs: number, windowMs: number): void {
  if (Math.abs(nowMs - credential.time) > windowMs) {
    throw new FairwayError('out-of-range', `credential time is ${nowMs - credential.time} ms from the store clock (window ±${windowMs} ms)`, 'time');
  }
}

/**
 * Remembers nonces seen within the window so a captured credential cannot be replayed. A
 * nonce needs keeping only until its credential's time leaves the window.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True the first time a nonce is offered; false for a replay. */
  accept(nonceBytes: Uint8Array, credentialTimeMs: number, nowMs: number): boolean {
    this.prune(nowMs);
    let key = '';
    for (const b of nonceBytes) key += b.toString(16).padStart(2, '0');
    if (this.seen.has(key)) return false;
    this.seen.set(key, credentialTimeMs + this.windowMs);
    return true;
  }

  /**
   * Entries arrive roughly in time order, so pruning stops at the first live one: O(expired)
   * per call, not O(all). One that lingers past its time only refuses a replay a little longer.
   */
  private prune(nowMs: number): void {
    for (const [key, forgetAt] of this.seen) {
      if (forgetAt >= nowMs) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
