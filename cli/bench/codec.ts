/**
 * `fairway bench codec`: how fast the SDK turns chunks into wire bodies and back (with full
 * validation, the way both ends run it), and how many COSE receipts it signs and verifies.
 * MB/s counts chunk payload bytes (10^6 bytes per MB), since payload is what a link carries.
 */
import { NodeCrypto, NodeSigner } from '../../device/ports/node/index.js';
import { receiptArtefact } from '../../sdk/receipt/index.js';
import { decodeMessage, encodeMessage } from '../../sdk/wire/index.js';
import { round3, type Figure } from './format.js';
import { measureRate, measureRateSync } from './timing.js';

const SIZES: [label: string, bytes: number][] = [
  ['4k', 4 * 1024],
  ['16k', 16 * 1024],
  ['64k', 64 * 1024],
];

export async function benchCodec(durationMs: number): Promise<Figure[]> {
  const crypto = new NodeCrypto();
  const figures: Figure[] = [];
  const transfer = crypto.randomBytes(16);
  for (const [label, size] of SIZES) {
    const message = { v: 1, t: 'chunk', r: 7, x: transfer, i: 1234, d: crypto.randomBytes(size) } as const;
    const encodeRate = measureRateSync(durationMs, () => encodeMessage(message));
    const bytes = encodeMessage(message);
    const decodeRate = measureRateSync(durationMs, () => decodeMessage(bytes));
    figures.push({ metric: `encode_mbps_${label}`, value: round3((encodeRate.operations * size) / encodeRate.seconds / 1e6), unit: 'MB/s' });
    figures.push({ metric: `decode_mbps_${label}`, value: round3((decodeRate.operations * size) / decodeRate.seconds / 1e6), unit: 'MB/s' });
  }

  const signer = NodeSigner.generate();
  const receipt = {
    v: 1 as const,
    device: 'hh-bench',
    user: 'bench',
    part: 'p1',
    partHash: crypto.randomBytes(32),
    transfer,
    price: 500,
    nonce: crypto.randomBytes(16),
    time: 1_795_000_000_000,
  };
  const kid = new TextEncoder().encode('hh-bench');
  const signRate = await measureRate(durationMs, () => receiptArtefact.sign(receipt, signer, kid));
  const cose = await receiptArtefact.sign(receipt, signer, kid);
  const verifyRate = await measureRate(durationMs, () => receiptArtefact.open(cose, signer.publicKey, crypto));
  figures.push({ metric: 'sign_per_s', value: round3(signRate.operations / signRate.seconds), unit: 'receipts/s' });
  figures.push({ metric: 'verify_per_s', value: round3(verifyRate.operations / verifyRate.seconds), unit: 'receipts/s' });
  return figures;
}
