/**
 * The store's side of each licence a host session got, read from the database alone (the
 * licence row, its seat rows, the ledger transactions that charged it): what the host-session
 * checkers compare with what the host and its peers saw.
 */
import type { Kysely } from 'kysely';
import type { Schema } from '../../broker/db/schema.js';
import { userAccountId } from '../../broker/ledger/accounts.js';

export interface StoreLicence {
  licenceId: string;
  billing: string;
  seats: number;
  seatPriceMinor: number;
  state: string;
  /** The licence row's count of charged seats. */
  chargedSeats: number;
  /** Peers with a seat_charges row (per-reception), sorted. */
  seatRows: string[];
  /** Ledger transactions with ref `licence:<id>` (upfront: exactly one once charged). */
  licenceTxns: number;
  /** Ledger transactions with a ref `seat:<id>:<peer>` (per-reception: one per charged seat). */
  seatTxns: number;
  /** What the host's user paid for this licence, from the ledger's postings on its account. */
  chargedMinor: number;
}

/** Every licence in `ids` (lowercase hex) the store knows; unknown ids are left out. */
export async function readStoreLicences(db: Kysely<Schema>, ids: readonly string[]): Promise<StoreLicence[]> {
  const out: StoreLicence[] = [];
  for (const id of ids) {
    const row = await db.selectFrom('licences').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) continue;
    const seatRows = (await db.selectFrom('seat_charges').select('peer_device_id').where('licence_id', '=', id).execute()).map((r) => r.peer_device_id).sort();
    const txns = await db
      .selectFrom('ledger_txns')
      .select(['id', 'ref'])
      .where((eb) => eb.or([eb('ref', '=', `licence:${id}`), eb('ref', 'like', `seat:${id}:%`)]))
      .execute();
    let chargedMinor = 0;
    if (txns.length > 0) {
      const postings = await db
        .selectFrom('postings')
        .select(['amount_minor'])
        .where('txn_id', 'in', txns.map((t) => t.id))
        .where('account_id', '=', userAccountId(row.user_id))
        .execute();
      chargedMinor = -postings.reduce((n, p) => n + p.amount_minor, 0);
    }
    out.push({
      licenceId: id,
      billing: row.billing,
      seats: row.seats,
      seatPriceMinor: row.seat_price_minor,
      state: row.state,
      chargedSeats: row.charged_seats,
      seatRows,
      licenceTxns: txns.filter((t) => t.ref === `licence:${id}`).length,
      seatTxns: txns.filter((t) => t.ref.startsWith(`seat:${id}:`)).length,
      chargedMinor,
    });
  }
  return out;
}
