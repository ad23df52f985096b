/**
 * The published wire vectors (sdk/vectors/*.json) checked both ways: each `cbor_hex` decodes
 * to its `value`, each `value` encodes to its `cbor_hex`, and every signed artefact verifies
 * under its `public_key_hex` with the exact payload bytes of `cbor_hex`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffVectors, DEFAULT_VECTOR_DIR } from '../../cli/commands/vectors.js';
import { decodeCbor } from '../../sdk/cbor/index.js';
import { manifestArtefact } from '../../sdk/manifest/index.js';
import { credentialArtefact, receiptArtefact } from '../../sdk/receipt/index.js';
import type { WireVector } from '../../sdk/vectors/catalog.js';
import { fromHex, fromJsonValue, toHex, toJsonValue } from '../../sdk/vectors/json.js';
import { licenceArtefact, licenceReceiptArtefact, seatNoticeArtefact } from '../../sdk/licence/index.js';
import { decodeLocalMessage, encodeLocalMessage, LOCAL_MESSAGES, type LocalType } from '../../sdk/local/index.js';
import { decodeMessage, encodeMessage, MESSAGES } from '../../sdk/wire/index.js';
import { crypto } from '../support/keys.js';

const files = readdirSync(DEFAULT_VECTOR_DIR).filter((f) => f.endsWith('.json'));
const vectors: WireVector[] = files.map((f) => JSON.parse(readFileSync(`${DEFAULT_VECTOR_DIR}/${f}`, 'utf8')));
const ARTEFACTS = {
  'signed-manifest': manifestArtefact,
  'signed-receipt': receiptArtefact,
  'signed-credential': credentialArtefact,
  'signed-licence-receipt': licenceReceiptArtefact,
  'signed-licence': licenceArtefact,
  'signed-seat-notice': seatNoticeArtefact,
};

function isLocal(name: string): boolean {
  return name.startsWith('local-');
}

function artefactOf(name: string) {
  // Longest name first: `signed-licence-receipt` is not a variant of `signed-licence`.
  const names = Object.keys(ARTEFACTS).sort((a, b) => b.length - a.length);
  const key = names.find((k) => name === k || name.startsWith(`${k}-`)) as keyof typeof ARTEFACTS | undefined;
  return key ? ARTEFACTS[key] : undefined;
}

describe('published wire vectors', () => {
  it('cover every message type', () => {
    const types = new Set(vectors.filter((v) => !artefactOf(v.name) && !isLocal(v.name)).map((v) => (v.value as { t: string }).t));
    expect([...types].sort()).toEqual(Object.keys(MESSAGES).sort());
  });

  it('cover every local-session message type the store protocol does not already cover', () => {
    const types = new Set(vectors.filter((v) => isLocal(v.name)).map((v) => (v.value as { t: string }).t));
    const own = Object.keys(LOCAL_MESSAGES).filter((t) => !(t in MESSAGES));
    expect([...types].sort()).toEqual(own.sort());
  });

  it('are exactly what the code produces (run `fairway vectors write` after a protocol change)', async () => {
    expect(await diffVectors(DEFAULT_VECTOR_DIR)).toEqual([]);
  });

  for (const vector of vectors) {
    const artefact = artefactOf(vector.name);
    it(`${vector.name}: cbor_hex decodes to value and value encodes to cbor_hex`, async () => {
      const bytes = fromHex(vector.cbor_hex);
      if (artefact) {
        expect(toJsonValue(artefact.decodePayload(bytes) as never)).toEqual(vector.value);
        expect(toHex(artefact.encodePayload(fromJsonValue(vector.value) as never))).toBe(vector.cbor_hex);
        const opened = await artefact.open(fromHex(vector.cose_hex!), fromHex(vector.public_key_hex!), crypto);
        expect(toHex(opened.payloadBytes)).toBe(vector.cbor_hex);
      } else if (isLocal(vector.name)) {
        const from = (LOCAL_MESSAGES[(vector.value as { t: LocalType }).t]).from;
        expect(toJsonValue(decodeLocalMessage(bytes, from) as never)).toEqual(vector.value);
        expect(toHex(encodeLocalMessage(fromJsonValue(vector.value) as never))).toBe(vector.cbor_hex);
      } else {
        expect(toJsonValue(decodeMessage(bytes) as never)).toEqual(vector.value);
        expect(toJsonValue(decodeCbor(bytes))).toEqual(vector.value);
        expect(toHex(encodeMessage(fromJsonValue(vector.value) as never))).toBe(vector.cbor_hex);
      }
    });
  }
});
