/**
 * Resumption tickets [FW-4.2.4–FW-4.2.6]: after a login the store hands the terminal 32 random
 * bytes that log the same user in once more, on the same device, without the password. A
 * resume costs one SHA-256 and one UPDATE instead of a scrypt run, which is what lets
 * thousands of terminals reconnect after a store restart in seconds (issue 12 §1).
 *
 * Only the SHA-256 of a ticket is stored: the bytes are a bearer secret, and a leaked table
 * must not log anyone in. A used row is kept until it expires so that a second presentation
 * is known for a replay (somebody else holds a copy) and can revoke the device's tickets.
 */
import type { Kysely } from 'kysely';
import type { Crypto } from '../../sdk/hal/crypto.js';
import type { Schema } from '../db/schema.js';
import { DirectoryError } from './directory-error.js';

export const TICKET_BYTES = 32;
/** How long an unused ticket logs in [FW-4.2.4]: a terminal left in a drawer for a month types the password again. */
export const TICKET_LIFETIME_MS = 30 * 24 * 60 * 60_000;

/** What a ticket needs of the store's crypto: randomness for new tickets, SHA-256 to look them up. */
export type TicketCrypto = Pick<Crypto, 'randomBytes' | 'sha256'>;

/**
 * Why a ticket was refused. The terminal is told none of this (one `ticket-refused` for all,
 * [FW-4.2.5]); it is for logs and tests.
 */
export type TicketRefusal = 'unknown' | 'other-device' | 'other-user' | 'expired' | 'used';

export type ResumeOutcome = { userId: string } | { refused: TicketRefusal };

export async function issueTicket(
  db: Kysely<Schema>,
  owner: { deviceId: string; userId: string },
  nowMs: number,
  crypto: TicketCrypto,
): Promise<{ ticket: Uint8Array; expiresAtMs: number }> {
  const ticket = crypto.randomBytes(TICKET_BYTES);
  if (ticket.length !== TICKET_BYTES) throw new DirectoryError('invalid-argument', `the random source gave ${ticket.length} bytes, not ${TICKET_BYTES}`);
  const expiresAtMs = nowMs + TICKET_LIFETIME_MS;
  // Rows past their expiry prove nothing any more (an expired ticket is refused either way):
  // each issue clears this device's, so the table holds at most a lifetime of logins per device.
  await db.deleteFrom('login_tickets').where('device_id', '=', owner.deviceId).where('expires_at', '<=', nowMs).execute();
  await db
    .insertInto('login_tickets')
    .values({ hash: ticketHash(ticket, crypto), device_id: owner.deviceId, user_id: owner.userId, issued_at: nowMs, expires_at: expiresAtMs, used_at: null })
    .execute();
  return { ticket, expiresAtMs };
}

/**
 * Consumes `ticket` for a login of `userId` on `deviceId`'s connection, or says why not. The
 * consume is one conditional UPDATE, so of two resumes racing with one ticket (on one store
 * node or two) exactly one gets the row. A ticket shown on another device's connection, or
 * for another user, is left as it was: a device that is not the ticket's can neither use nor
 * spoil it. A used ticket shown again on its own device means two parties hold it (a replay,
 * or a stolen copy used first): every unused ticket of that device and user is deleted, so
 * whoever holds the newest one must log in with the password too.
 */
export async function resumeTicket(
  db: Kysely<Schema>,
  presented: { ticket: Uint8Array; deviceId: string; userId: string },
  nowMs: number,
  crypto: TicketCrypto,
): Promise<ResumeOutcome> {
  if (presented.ticket.length !== TICKET_BYTES) return { refused: 'unknown' };
  const hash = ticketHash(presented.ticket, crypto);
  const consumed = await db
    .updateTable('login_tickets')
    .set({ used_at: nowMs })
    .where('hash', '=', hash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', nowMs)
    .where('device_id', '=', presented.deviceId)
    .where('user_id', '=', presented.userId)
    .returning('user_id')
    .executeTakeFirst();
  if (consumed) return { userId: consumed.user_id };

  const row = await db.selectFrom('login_tickets').select(['device_id', 'user_id', 'expires_at', 'used_at']).where('hash', '=', hash).executeTakeFirst();
  if (!row) return { refused: 'unknown' };
  if (row.device_id !== presented.deviceId) return { refused: 'other-device' };
  if (row.user_id !== presented.userId) return { refused: 'other-user' };
  if (row.expires_at <= nowMs) return { refused: 'expired' };
  // This device and user, unexpired, yet not consumed above: it was used before (or just now,
  // by a racing resume that won).
  if (row.used_at === null) return { refused: 'unknown' }; // not reachable: the UPDATE above would have taken it
  await db.deleteFrom('login_tickets').where('device_id', '=', row.device_id).where('user_id', '=', row.user_id).where('used_at', 'is', null).execute();
  return { refused: 'used' };
}

/**
 * Deletes every ticket of a device (revoked [FW-4.2.6]) or of a user (password changed), used
 * ones included: nothing issued before is worth recognising afterwards. Returns how many.
 */
export async function revokeTicketsOf(db: Kysely<Schema>, owner: { deviceId: string } | { userId: string }): Promise<number> {
  const query = 'deviceId' in owner ? db.deleteFrom('login_tickets').where('device_id', '=', owner.deviceId) : db.deleteFrom('login_tickets').where('user_id', '=', owner.userId);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Deletes every expired ticket row, used or not — past its expiry a row proves nothing (an
 * expired ticket is refused either way) — so devices never seen again do not keep theirs
 * forever. Run by the store's sweep (once a minute, one node per tick in a cluster). Returns
 * how many went.
 */
export async function deleteExpiredTickets(db: Kysely<Schema>, nowMs: number): Promise<number> {
  const result = await db.deleteFrom('login_tickets').where('expires_at', '<=', nowMs).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A Buffer because that is what the column reads back as, so lookups compare like with like. */
function ticketHash(ticket: Uint8Array, crypto: TicketCrypto): Buffer {
  const hasher = crypto.sha256();
  hasher.update(ticket);
  return Buffer.from(hasher.digest());
}
