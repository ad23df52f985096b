/**
 * `fairway bench charges`: signed receipts in, durable charges out, per second — through the
 * store's own path (decode, reply cache, handler, signature check, ledger transaction, encoded
 * `charge` reply), without MQTT in the way. SQLite (WAL, synchronous=FULL) always; PostgreSQL
 * too when FAIRWAY_BENCH_PG_URL names a server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { FAST_TEST_PARAMS } from '../../broker/auth/password.js';
import { enrolTerminal } from '../../broker/directory/terminals.js';
import { addUser } from '../../broker/directory/users.js';
import { adjustBalance } from '../../broker/ledger/adjust.js';
import { placeHold } from '../../broker/ledger/holds.js';
import { checkInvariants } from '../../broker/ledger/invariants.js';
import { StoreService } from '../../broker/service/store-service.js';
import { openStoreData } from '../../broker/store-data.js';
import { OffloadCrypto } from '../../broker/crypto/offload-crypto.js';
import { NodeSigner } from '../../device/ports/node/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { fromHex, toHex } from '../../sdk/vectors/json.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';
import { round3, type Figure } from './format.js';

const DEVICES = 50;
/** Receipts being handled at once: 64 terminals of a fleet sending receipts together (FAIRWAY_BENCH_IN_FLIGHT to change). */
const IN_FLIGHT = Number(process.env.FAIRWAY_BENCH_IN_FLIGHT ?? 64);

async function chargesPerSecond(databaseUrl: string | undefined, durationMs: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'fairway-bench-charges-'));
  const now = () => Date.now();
  const data = await openStoreData(dir, { ...(databaseUrl ? { databaseUrl } : {}), passwordParams: FAST_TEST_PARAMS, nowMs: now() });
  // The store's own Crypto: verification on a worker thread, as `fairway store serve` runs it.
  const crypto = new OffloadCrypto();
  try {
    const db = data.database.db;
    const runId = toHex(crypto.randomBytes(4));
    const partHash = crypto.randomBytes(32);
    // A one-part title whose manifest is never opened here: the receipt path checks the part hash only.
    await db.insertInto('titles').values({ id: `bench-${runId}`, name: 'bench', provider: 'bench', creator: '', category: 'game', currency: 'JPY', pricing: '{"rule":"standard"}', created_at: now() }).execute();
    // One open hold per device and part [FW-4.4.1], so each receipt of a device is for another part.
    const estimate = Math.max(200, Math.ceil((durationMs / 1000) * 4_000));
    const partCount = Math.ceil(estimate / DEVICES) + 1;
    for (let p = 0; p < partCount; p++) {
      await db.insertInto('parts').values({ id: `bench-p-${runId}-${p}`, title_id: `bench-${runId}`, seq: p + 1, next_id: null, base_id: null, size_bytes: 1, chunk_bytes: 1024, part_hash: partHash, manifest: new Uint8Array([0xd2]), content_hash: 'none', list_price_minor: 1, advert_price_minor: null, sponsor: null, advert_title_id: null }).execute();
    }
    const devices: { id: string; signer: NodeSigner }[] = [];
    for (let d = 0; d < DEVICES; d++) {
      const id = `bench-${runId}-${d}`;
      const signer = NodeSigner.generate();
      await addUser(db, { id, password: 'bench-password' }, now(), FAST_TEST_PARAMS);
      await enrolTerminal(db, { deviceId: id, userId: id, publicKey: signer.publicKey }, now());
      await adjustBalance(data.ledger, { userId: id, amountMinor: 1_000_000_000, reason: 'bench float', actor: 'bench', nowMs: now() });
      devices.push({ id, signer });
    }
    let charges = 0;
    const service = new StoreService({ db, ledger: data.ledger, content: data.content, crypto, clock: { wallMs: now }, log: pino({ level: 'silent' }) });
    service.attach(async (_deviceId, type, payload) => {
      if (type === 'charge') charges++;
      else if (type !== 'login.ok') throw new Error(`unexpected ${type}: ${JSON.stringify(decodeMessage(payload, { direction: 'down' }))}`);
    });
    for (const d of devices) {
      service.onConnect(d.id);
      await service.onMessage(d.id, 'login', encodeMessage({ v: 1, t: 'login', rid: 0, user: d.id, password: 'bench-password' }));
    }
    // Receipts are made ahead of time (holds placed, receipts signed): the figure is the store's side only.
    let rid = 1;
    const makeReceipt = async () => {
      const d = devices[rid % DEVICES]!;
      const partId = `bench-p-${runId}-${Math.floor(rid / DEVICES)}`;
      const transferId = toHex(crypto.randomBytes(16));
      const held = await placeHold(data.ledger, { transferId, deviceId: d.id, userId: d.id, partId, listPriceMinor: 1, priceMinor: 1, provider: 'bench', sponsorPaysMinor: 0, holdUntil: now() + 3_600_000, nowMs: now() });
      if (!held.ok) throw new Error('bench hold refused');
      const receipt = await receiptArtefact.sign({ v: 1, device: d.id, user: d.id, part: partId, partHash, transfer: fromHex(transferId), price: 1, nonce: crypto.randomBytes(16), time: now() }, d.signer);
      return { device: d.id, bytes: encodeMessage({ v: 1, t: 'receipt', rid: rid++, receipt }) };
    };
    const batch: { device: string; bytes: Uint8Array }[] = [];
    for (let i = 0; i < estimate; i++) batch.push(await makeReceipt());
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < batch.length && performance.now() - started < durationMs) {
        const r = batch[next++]!;
        await service.onMessage(r.device, 'receipt', r.bytes);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const seconds = (performance.now() - started) / 1000;
    await service.close();
    const violations = await checkInvariants(data.ledger, now());
    if (violations.length > 0) throw new Error(`ledger invariants broken after the bench: ${JSON.stringify(violations.slice(0, 3))}`);
    return charges / seconds;
  } finally {
    await crypto.close();
    await data.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchCharges(durationMs: number): Promise<Figure[]> {
  const figures: Figure[] = [{ metric: 'per_second_sqlite', value: round3(await chargesPerSecond(undefined, durationMs)), unit: 'charges/s' }];
  const pg = process.env.FAIRWAY_BENCH_PG_URL;
  if (pg) figures.push({ metric: 'per_second_postgres', value: round3(await chargesPerSecond(pg, durationMs)), unit: 'charges/s' });
  else process.stderr.write('charges: FAIRWAY_BENCH_PG_URL is not set, so per_second_postgres is not measured\n');
  return figures;
}
