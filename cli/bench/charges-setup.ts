/**
 * What the charges bench charges, made before the clock starts: 50 users with enrolled
 * terminals and a float, one open hold per receipt, and each receipt signed by its terminal.
 * The figure is the store's side only. The holds are the rows `placeHold` writes, inserted
 * many per statement: placing ten thousand holds one transaction each (one fsync each on a
 * durable PostgreSQL) took minutes on a busy machine and measured nothing.
 */
import type { Kysely } from 'kysely';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import type { Schema } from '../../broker/db/index.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import type { LedgerContext } from '../../broker/ledger/context.js';
import { providerAccountId } from '../../broker/ledger/accounts.js';
import type { Crypto } from '../../sdk/hal/index.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { fromHex, toHex } from '../../sdk/vectors/json.js';
import { encodeMessage } from '../../sdk/wire/index.js';

export const BENCH_PASSWORD = 'bench-password';
const PROVIDER = 'bench';
/** Rows per insert: well under either engine's limit on bound parameters. */
const ROWS_PER_INSERT = 500;

export interface BenchReceipt {
  device: string;
  bytes: Uint8Array;
}

export interface ChargesFixture {
  devices: string[];
  receipts: BenchReceipt[];
}

/** `count` receipts over `devices` terminals, receipt i from terminal i mod devices, each for a part of its own. */
export async function prepareCharges(db: Kysely<Schema>, ledger: LedgerContext, crypto: Crypto, count: number, deviceCount: number, nowMs: () => number): Promise<ChargesFixture> {
  const runId = toHex(crypto.randomBytes(4));
  const title = `bench-${runId}`;
  const partHash = crypto.randomBytes(32);
  // A title whose manifests are never opened here: the receipt path checks the part hash only.
  await db.insertInto('titles').values({ id: title, name: 'bench', provider: PROVIDER, creator: '', category: 'game', currency: 'JPY', pricing: '{"rule":"standard"}', created_at: nowMs() }).execute();
  // One open hold per device and part [FW-4.4.1], so each receipt of a terminal is for another part.
  const partId = (i: number) => `bench-p-${runId}-${Math.floor(i / deviceCount)}`;
  const parts = Array.from({ length: Math.ceil(count / deviceCount) }, (_, p) => ({
    id: partId(p * deviceCount),
    title_id: title,
    seq: p + 1,
    next_id: null,
    base_id: null,
    size_bytes: 1,
    chunk_bytes: 1024,
    part_hash: partHash,
    manifest: new Uint8Array([0xd2]),
    content_hash: 'none',
    list_price_minor: 1,
    advert_price_minor: null,
    sponsor: null,
    advert_title_id: null,
  }));
  for (const rows of chunks(parts)) await db.insertInto('parts').values(rows).execute();

  const devices: { id: string; signer: NodeSigner }[] = [];
  for (let d = 0; d < deviceCount; d++) {
    const id = `bench-${runId}-${d}`;
    const signer = NodeSigner.generate();
    await addUser(db, { id, password: BENCH_PASSWORD }, nowMs(), FAST_TEST_PARAMS);
    await enrolTerminal(db, { deviceId: id, userId: id, publicKey: signer.publicKey }, nowMs());
    await adjustBalance(ledger, { userId: id, amountMinor: 1_000_000_000, reason: 'bench float', actor: 'bench', nowMs: nowMs() });
    devices.push({ id, signer });
  }
  // placeHold makes the provider's account with its first hold; so does this.
  await db.insertInto('accounts').values({ id: providerAccountId(PROVIDER), kind: 'provider', owner: PROVIDER, balance_minor: 0 }).onConflict((oc) => oc.column('id').doNothing()).execute();

  const holds = Array.from({ length: count }, (_, i) => {
    const device = devices[i % deviceCount]!.id;
    return {
      id: toHex(crypto.randomBytes(16)),
      device_id: device,
      user_id: device,
      part_id: partId(i),
      price_minor: 1,
      list_price_minor: 1,
      provider: PROVIDER,
      sponsor: null,
      sponsor_pays_minor: 0,
      state: 'open' as const,
      hold_until: nowMs() + 3_600_000,
      created_at: nowMs(),
      charged_at: null,
      released_at: null,
      release_reason: null,
      receipt: null,
    };
  });
  for (const rows of chunks(holds)) await db.insertInto('transfers').values(rows).execute();

  const receipts: BenchReceipt[] = [];
  for (const [i, hold] of holds.entries()) {
    const { signer } = devices[i % deviceCount]!;
    const receipt = await receiptArtefact.sign(
      { v: 1, device: hold.device_id, user: hold.user_id, part: hold.part_id, partHash, transfer: fromHex(hold.id), price: 1, nonce: crypto.randomBytes(16), time: nowMs() },
      signer,
    );
    receipts.push({ device: hold.device_id, bytes: encodeMessage({ v: 1, t: 'receipt', rid: i + 1, receipt }) });
  }
  return { devices: devices.map((d) => d.id), receipts };
}

function chunks<T>(rows: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) out.push(rows.slice(i, i + ROWS_PER_INSERT));
  return out;
}
