/**
 * The end-to-end demo of the SDK alone. Both ends run in one process and hand each other
 * encoded bodies, exactly the bytes that will later travel over MQTT: the store signs
 * manifests and offers, the terminal opens them with the store key, streams chunks through
 * the codec into real file storage, drops a corrupted one, signs a receipt, and the store
 * verifies it against the enrolled device key. Nothing here is a stand-in for the store or
 * runtime of later work; it is the protocol's own pieces, shown working together.
 */
import { rm } from 'node:fs/promises';
import { FileStorage, NodeCrypto, NodeSigner, SystemClock } from '../../device/ports/node/index.js';
import { ChunkBitmap, expandRuns, toRuns } from '../../sdk/chunks/index.js';
import { FairwayError } from '../../sdk/errors.js';
import { manifestArtefact, PartHasher, verifyChunk, verifyPartHash, type Manifest } from '../../sdk/manifest/index.js';
import { checkCredentialTime, credentialArtefact, receiptArtefact, ReplayGuard } from '../../sdk/receipt/index.js';
import { seededRandomSource } from '../../sdk/testing/mocks/index.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';

export interface DemoSummary {
  parts: number;
  bytes: number;
  chunks: number;
  windows: number;
  corruptChunksDropped: number;
  receiptsCharged: number;
  forgedReceiptsRefused: number;
  replayedCredentialsRefused: number;
  balanceMinor: number;
  elapsedMs: number;
}

const CHUNK_BYTES = 16 * 1024;
const WINDOW_CHUNKS = 8;
const DEVICE = 'hh-demo-1';
const USER = 'alice';
const utf8 = (s: string) => new TextEncoder().encode(s);

interface DemoPart {
  id: string;
  bytes: Uint8Array;
  price: number;
}

function demoTitle(): DemoPart[] {
  const random = seededRandomSource(2026);
  // Hole 1 carries the base program, so it is the big one (seed 004, Fig. 16).
  return [
    { id: 'golf-h01', bytes: random(300_000), price: 500 },
    { id: 'golf-h02', bytes: random(90_000), price: 450 },
    { id: 'golf-h03', bytes: random(90_000), price: 400 },
  ];
}

export async function runDemo(dataDir: string, say: (line: string) => void): Promise<DemoSummary> {
  const clock = new SystemClock();
  const started = clock.monotonicMs();
  const crypto = new NodeCrypto();
  const storeKey = NodeSigner.generate();
  const deviceKey = NodeSigner.generate();
  const parts = demoTitle();
  const summary: DemoSummary = { parts: 0, bytes: 0, chunks: 0, windows: 0, corruptChunksDropped: 0, receiptsCharged: 0, forgedReceiptsRefused: 0, replayedCredentialsRefused: 0, balanceMinor: 2000, elapsedMs: 0 };

  // --- store side: describe and sign every part ---------------------------------------------
  const manifests = new Map<string, Uint8Array>();
  for (const [i, part] of parts.entries()) {
    const hasher = new PartHasher(crypto, CHUNK_BYTES);
    hasher.update(part.bytes);
    const manifest: Manifest = { v: 1, part: part.id, title: 'super-golf', seq: i + 1, next: parts[i + 1]?.id ?? null, base: i === 0 ? null : parts[0]!.id, ...hasher.finish() };
    manifests.set(part.id, await manifestArtefact.sign(manifest, storeKey, utf8('store-demo')));
  }
  say(`store    signed ${parts.length} part manifests of "Super Golf" with its Ed25519 key (COSE_Sign1)`);

  // --- connect: the credential and its replay guard -----------------------------------------
  const guard = new ReplayGuard(300_000);
  const credential = await credentialArtefact.sign({ v: 1, device: DEVICE, time: clock.wallMs(), nonce: crypto.randomBytes(16) }, deviceKey, utf8(DEVICE));
  for (let attempt = 0; attempt < 2; attempt++) {
    const opened = await credentialArtefact.open(credential, deviceKey.publicKey, crypto);
    checkCredentialTime(opened.payload, clock.wallMs(), 300_000);
    if (guard.accept(opened.payload.nonce, opened.payload.time, clock.wallMs())) say(`store    accepted the CONNECT credential of ${DEVICE} (${credential.length} bytes)`);
    else {
      summary.replayedCredentialsRefused++;
      say('store    refused the same credential replayed a second time');
    }
  }

  await rm(dataDir, { recursive: true, force: true });
  const flash = await FileStorage.open(dataDir, { capacityBytes: 1024 * 1024 });
  let rid = 0;

  for (const part of parts) {
    // --- offer ------------------------------------------------------------------------------
    const transfer = crypto.randomBytes(16);
    const offerBytes = encodeMessage({ v: 1, t: 'offer', rid: ++rid, transfer, part: part.id, listPrice: part.price, price: part.price, currency: 'JPY', holdUntil: clock.wallMs() + 600_000, manifest: manifests.get(part.id)!, windowMax: 256 });
    const offer = decodeMessage(offerBytes, { direction: 'down', expect: 'offer' });
    if (offer.t !== 'offer') throw new Error('unreachable');
    const { payload: manifest } = await manifestArtefact.open(offer.manifest, storeKey.publicKey, crypto);
    say(`terminal offer for ${part.id}: ${offer.price} JPY, ${manifest.size.toLocaleString('en-US')} bytes in ${manifest.chunks.length} chunks; manifest signature checked`);

    // --- stream: windows of missing chunks ---------------------------------------------------
    const missing = ChunkBitmap.full(manifest.chunks.length);
    let corruptOnce = part === parts[1];
    while (missing.size() > 0) {
      const ask = missing.take(WINDOW_CHUNKS);
      const request = decodeMessage(encodeMessage({ v: 1, t: 'chunks.get', rid: ++rid, transfer, ranges: toRuns(ask).map(([f, c]) => [f, c] as [number, number]) }), { direction: 'up' });
      if (request.t !== 'chunks.get' || !request.ranges) throw new Error('unreachable');
      summary.windows++;
      for (const index of expandRuns(request.ranges, manifest.chunks.length, offer.windowMax)) {
        const data = part.bytes.slice(index * CHUNK_BYTES, (index + 1) * CHUNK_BYTES);
        if (corruptOnce) {
          data[0]! ^= 0xff; // the radio delivered garbage for this one
          corruptOnce = false;
        }
        const chunk = decodeMessage(encodeMessage({ v: 1, t: 'chunk', r: request.rid, x: transfer, i: index, d: data }), { direction: 'down' });
        if (chunk.t !== 'chunk') throw new Error('unreachable');
        try {
          verifyChunk(manifest, chunk.i, chunk.d, crypto);
        } catch (e) {
          if (!(e instanceof FairwayError && e.kind === 'hash-mismatch')) throw e;
          summary.corruptChunksDropped++;
          say(`terminal dropped chunk ${chunk.i} of ${part.id}: ${e.message}; it stays missing and is asked again`);
          continue;
        }
        await flash.write(part.id, chunk.i * manifest.chunkBytes, chunk.d);
        missing.delete(chunk.i);
        summary.chunks++;
      }
    }

    // --- whole-part check, receipt, charge ----------------------------------------------------
    const whole = crypto.sha256();
    for (let offset = 0; offset < manifest.size; offset += 64 * 1024) whole.update(await flash.read(part.id, offset, 64 * 1024));
    verifyPartHash(manifest, whole.digest());
    const receiptPayload = { v: 1 as const, device: DEVICE, user: USER, part: part.id, partHash: manifest.hash, transfer, price: offer.price, nonce: crypto.randomBytes(16), time: clock.wallMs() };
    const receipt = await receiptArtefact.sign(receiptPayload, deviceKey, utf8(DEVICE));
    const received = decodeMessage(encodeMessage({ v: 1, t: 'receipt', rid: ++rid, receipt }), { direction: 'up' });
    if (received.t !== 'receipt') throw new Error('unreachable');
    const { payload: checked } = await receiptArtefact.open(received.receipt, deviceKey.publicKey, crypto);
    if (checked.price !== offer.price || checked.part !== part.id) throw new Error('receipt does not match the offer');
    summary.balanceMinor -= checked.price;
    summary.receiptsCharged++;
    summary.parts++;
    summary.bytes += manifest.size;
    say(`store    verified the receipt for ${part.id} against the enrolled device key and charged ${checked.price} JPY (balance ${summary.balanceMinor})`);
  }

  // --- a forged receipt: signed by a key the store never enrolled ----------------------------
  const forger = NodeSigner.generate();
  const forged = await receiptArtefact.sign({ v: 1, device: DEVICE, user: USER, part: parts[0]!.id, partHash: new Uint8Array(32), transfer: new Uint8Array(16), price: 0, nonce: crypto.randomBytes(16), time: clock.wallMs() }, forger, utf8(DEVICE));
  try {
    await receiptArtefact.open(forged, deviceKey.publicKey, crypto);
  } catch (e) {
    if (e instanceof FairwayError && e.kind === 'bad-signature') {
      summary.forgedReceiptsRefused++;
      say('store    refused a forged receipt (bad-signature): no charge');
    } else throw e;
  }

  const usage = await flash.usage();
  await flash.close();
  summary.elapsedMs = Math.round(clock.monotonicMs() - started);
  say('');
  say(`summary  ${summary.parts} parts, ${summary.bytes.toLocaleString('en-US')} bytes in ${summary.chunks} verified chunks over ${summary.windows} windows`);
  say(`         ${summary.corruptChunksDropped} corrupt chunk dropped and re-fetched, ${summary.receiptsCharged} receipts charged, ${summary.forgedReceiptsRefused} forged receipt refused, ${summary.replayedCredentialsRefused} replayed credential refused`);
  say(`         flash ${usage.usedBytes.toLocaleString('en-US')} of ${usage.capacityBytes.toLocaleString('en-US')} bytes used in ${dataDir}; ${summary.elapsedMs} ms`);
  return summary;
}
