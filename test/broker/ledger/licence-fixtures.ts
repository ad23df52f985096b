/**
 * Seat licences for ledger tests: peers enrolled to bob and carol (a seat row names an
 * enrolled device), licence holds for the fixture's golf parts, and a way to make a user own a
 * part (a charged transfer) the way a real purchase does.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../../broker/db/index.js';
import type { Ledger, PlaceLicenceInput } from '../../../broker/ledger/index.js';
import { deviceOf, holdFor, PARTS, PROVIDER, receiptFor, T0, TITLE } from './fixtures.js';

export const SESSION_MS = 60_000;
export const GRACE_MS = 30_000;
export const SEAT_PRICE = 100;
export const PEERS = ['peer-0', 'peer-1', 'peer-2', 'peer-3', 'peer-4', 'peer-5'] as const;

export async function enrolPeers(db: Kysely<Schema>): Promise<void> {
  await db
    .insertInto('devices')
    .values(PEERS.map((id, i) => ({ id, user_id: i % 2 === 0 ? 'bob' : 'carol', public_key: new Uint8Array(32).fill(9), enrolled_at: T0, revoked_at: null })))
    .execute();
}

let licenceCounter = 0;
/** Distinct licence ids (hex of a counter, in their own range); real ones are random. */
export function nextLicenceId(): string {
  return `1${(++licenceCounter).toString(16).padStart(31, '0')}`;
}

export function licenceFor(user: string, seats: number, billing: 'upfront' | 'per-reception', nowMs: number, overrides: Partial<PlaceLicenceInput> = {}): PlaceLicenceInput {
  const part = PARTS[0]!;
  const exp = nowMs + SESSION_MS;
  return {
    licenceId: nextLicenceId(),
    hostDeviceId: deviceOf(user),
    userId: user,
    titleId: TITLE,
    partId: part.id,
    partHash: new Uint8Array(32).fill(1),
    provider: PROVIDER,
    seats,
    billing,
    seatPriceMinor: SEAT_PRICE,
    exp,
    settleAt: billing === 'per-reception' ? exp + GRACE_MS : exp,
    licence: new TextEncoder().encode(`licence for ${user}`),
    nowMs,
    ...overrides,
  };
}

export const licenceReceiptFor = (licenceId: string): Uint8Array => new TextEncoder().encode(`licence receipt ${licenceId}`);
export const noticeFor = (licenceId: string, peer: string): Uint8Array => new TextEncoder().encode(`notice ${licenceId} ${peer}`);

/** Buys the first golf part for the user: what makes a user a possible host. */
export async function buyFirstPart(ledger: Ledger, user: string, nowMs = T0): Promise<void> {
  const held = await ledger.placeHold(holdFor(user, PARTS[0]!, nowMs));
  if (!held.ok) throw new Error(`could not buy: ${JSON.stringify(held)}`);
  const charged = await ledger.capture({ transferId: held.transfer.transferId, deviceId: deviceOf(user), userId: user, receipt: receiptFor(held.transfer.transferId), nowMs });
  if (!charged.ok) throw new Error(`could not buy: ${JSON.stringify(charged)}`);
}
