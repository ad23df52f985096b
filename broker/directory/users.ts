/**
 * Users as seed 004 Fig. 5 keeps them: password (slow KDF at rest), address, name, age,
 * occupation; the credit balance lives in the ledger (`user:<id>` account), the history in
 * the history table, the terminals in the devices table.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { secret, userId as userIdSchema, utf8Text } from '../../sdk/wire/fields.js';
import { hashPassword, verifyPassword, type ScryptParams } from '../auth/password.js';
import type { Schema } from '../db/schema.js';
import { userAccountId } from '../ledger/accounts.js';
import { DirectoryError } from './directory-error.js';
import { revokeTicketsOf } from './tickets.js';

export const NewUser = z.strictObject({
  id: userIdSchema,
  password: secret,
  name: utf8Text(0, 256).default(''),
  address: utf8Text(0, 256).default(''),
  age: z.number().int().min(0).max(150).nullable().default(null),
  occupation: utf8Text(0, 256).default(''),
});
export type NewUser = z.input<typeof NewUser>;

export interface UserSummary {
  id: string;
  name: string;
  address: string;
  age: number | null;
  occupation: string;
  balanceMinor: number;
  terminals: string[];
  /** The most recent uses (seed 004 Fig. 5 "application utilization history"), newest first. */
  history: { at: number; kind: string; titleId: string; partId: string; results: unknown }[];
  createdAt: number;
}

const HISTORY_SHOWN = 20;

export async function addUser(db: Kysely<Schema>, input: NewUser, nowMs: number, params?: ScryptParams): Promise<void> {
  const parsed = NewUser.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DirectoryError('invalid-argument', `${issue.path.join('.') || 'user'}: ${issue.message}`);
  }
  const user = parsed.data;
  const passwordHash = await hashPassword(user.password, params);
  await db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('users').select('id').where('id', '=', user.id).executeTakeFirst();
    if (existing) throw new DirectoryError('user-exists', `user ${user.id} already exists`);
    await trx
      .insertInto('users')
      .values({ id: user.id, password_hash: passwordHash, name: user.name, address: user.address, age: user.age, occupation: user.occupation, created_at: nowMs })
      .execute();
    await trx.insertInto('accounts').values({ id: userAccountId(user.id), kind: 'user', owner: user.id, balance_minor: 0 }).execute();
  });
}

/**
 * Sets a new password (hashed before anything is written) and deletes the user's resumption
 * tickets in the same step, so no terminal stays logged in by a ticket the old password
 * earned [FW-4.2.6]. Returns how many tickets were deleted.
 */
export async function changePassword(db: Kysely<Schema>, userId: string, password: string, params?: ScryptParams): Promise<{ ticketsRevoked: number }> {
  const parsed = secret.safeParse(password);
  if (!parsed.success) throw new DirectoryError('invalid-argument', `password: ${parsed.error.issues[0]?.message ?? 'not a valid password'}`);
  const passwordHash = await hashPassword(password, params);
  return db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new DirectoryError('unknown-user', `no user ${userId}`);
    return { ticketsRevoked: await revokeTicketsOf(trx, { userId }) };
  });
}

/**
 * True only for a known user with that password. An unknown user still costs one KDF run
 * (against a fixed dummy hash), so timing does not tell which user ids exist.
 */
export async function checkLogin(db: Kysely<Schema>, userId: string, password: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
  return row !== undefined && ok;
}

/** A real hash of a random password nobody knows, made once, so the unknown-user path runs the KDF too. */
let dummy: Promise<string> | undefined;
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomUUID());
  return dummy;
}

export async function getUser(db: Kysely<Schema>, userId: string): Promise<UserSummary> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirst();
  if (!row) throw new DirectoryError('unknown-user', `no user ${userId}`);
  const account = await db.selectFrom('accounts').select('balance_minor').where('id', '=', userAccountId(userId)).executeTakeFirst();
  const terminals = await db.selectFrom('devices').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).orderBy('id').execute();
  const history = await db.selectFrom('history').selectAll().where('user_id', '=', userId).orderBy('at', 'desc').orderBy('id', 'desc').limit(HISTORY_SHOWN).execute();
  return {
    id: row.id,
    name: row.name,
    address: row.address,
    age: row.age,
    occupation: row.occupation,
    balanceMinor: account?.balance_minor ?? 0,
    terminals: terminals.map((t) => t.id),
    history: history.map((h) => ({ at: h.at, kind: h.kind, titleId: h.title_id, partId: h.part_id, results: h.results === null ? null : (JSON.parse(h.results) as unknown) })),
    createdAt: row.created_at,
  };
}

export async function listUsers(db: Kysely<Schema>): Promise<UserSummary[]> {
  const ids = await db.selectFrom('users').select('id').orderBy('id').execute();
  return Promise.all(ids.map((r) => getUser(db, r.id)));
}
