/**
 * Terminals (devices): enrolment binds a device id and its Ed25519 public key to a user
 * [FW-2.3]; revocation keeps the row (history, audit) but the key stops opening connections.
 */
import type { Kysely } from 'kysely';
import { isValidDeviceId } from '../../sdk/wire/topics.js';
import { toBytes } from '../db/bytes.js';
import type { Schema } from '../db/schema.js';
import { DirectoryError } from './directory-error.js';
import { revokeTicketsOf } from './tickets.js';

export interface TerminalRecord {
  deviceId: string;
  userId: string;
  publicKey: Uint8Array;
  enrolledAt: number;
  revokedAt: number | null;
}

export async function enrolTerminal(db: Kysely<Schema>, input: { deviceId: string; userId: string; publicKey: Uint8Array }, nowMs: number): Promise<void> {
  if (!isValidDeviceId(input.deviceId)) throw new DirectoryError('invalid-argument', `device id ${JSON.stringify(input.deviceId)} is not 1–64 of [A-Za-z0-9_-]`);
  if (input.publicKey.length !== 32) throw new DirectoryError('invalid-argument', 'an Ed25519 public key is 32 bytes');
  await db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('id', '=', input.userId).executeTakeFirst();
    if (!user) throw new DirectoryError('unknown-user', `no user ${input.userId}`);
    const existing = await trx.selectFrom('devices').select(['id', 'revoked_at']).where('id', '=', input.deviceId).executeTakeFirst();
    if (existing && existing.revoked_at === null) throw new DirectoryError('device-exists', `device ${input.deviceId} is already enrolled; revoke it first`);
    if (existing) {
      await trx.updateTable('devices').set({ user_id: input.userId, public_key: input.publicKey, enrolled_at: nowMs, revoked_at: null }).where('id', '=', input.deviceId).execute();
    } else {
      await trx.insertInto('devices').values({ id: input.deviceId, user_id: input.userId, public_key: input.publicKey, enrolled_at: nowMs, revoked_at: null }).execute();
    }
  });
}

/** Revokes the device's key and deletes its resumption tickets in one step [FW-4.2.6]. */
export async function revokeTerminal(db: Kysely<Schema>, deviceId: string, nowMs: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('devices').set({ revoked_at: nowMs }).where('id', '=', deviceId).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new DirectoryError('unknown-device', `no enrolled device ${deviceId}`);
    await revokeTicketsOf(trx, { deviceId });
  });
}

export async function findTerminal(db: Kysely<Schema>, deviceId: string): Promise<TerminalRecord | undefined> {
  const row = await db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst();
  if (!row) return undefined;
  return { deviceId: row.id, userId: row.user_id, publicKey: toBytes(row.public_key), enrolledAt: row.enrolled_at, revokedAt: row.revoked_at };
}

/** The broker's view: the key that may open connections for this device, if any [FW-2.3]. */
export async function activePublicKey(db: Kysely<Schema>, deviceId: string): Promise<Uint8Array | undefined> {
  const terminal = await findTerminal(db, deviceId);
  return terminal && terminal.revokedAt === null ? terminal.publicKey : undefined;
}
