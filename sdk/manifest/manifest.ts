/**
 * The signed part manifest [FW-6]: what a part is, where it sits in its title, and the hash
 * of every chunk, signed by the store key. A terminal checks this signature before it stores
 * a byte, and every chunk against it on arrival.
 */
import { z } from 'zod';
import { chunkCount, chunkSpan } from '../chunks/maths.js';
import { TUNABLES } from '../config.js';
import { defineArtefact } from '../cose/artefact.js';
import { FairwayError } from '../errors.js';
import type { Crypto } from '../hal/crypto.js';
import { id, sha256, uint, PROTOCOL_VERSION } from '../wire/fields.js';

export const ManifestPayload = z
  .strictObject({
    v: z.literal(PROTOCOL_VERSION),
    part: id,
    title: id,
    /** 1 for the part that runs alone, then 2, 3, … in play order [FW-6.4]. */
    seq: z.number().int().min(1).max(10_000),
    /** The part to ask for after this one; null marks the last part [FW-6.4]. */
    next: id.nullable(),
    /** The part this one needs on the device to run (the title's base program), or null. */
    base: id.nullable(),
    size: uint.min(1),
    chunkBytes: z.number().int().min(TUNABLES.chunkBytes.min).max(TUNABLES.chunkBytes.max),
    chunks: z.array(sha256).min(1).max(TUNABLES.maxChunksPerPart.max),
    hash: sha256,
  })
  .superRefine((m, ctx) => {
    if (m.chunks.length !== Math.ceil(m.size / m.chunkBytes)) {
      ctx.addIssue({ code: 'custom', path: ['chunks'], message: `${m.chunks.length} chunk hashes for ${Math.ceil(m.size / m.chunkBytes)} chunks` });
    }
    if (m.next === m.part) ctx.addIssue({ code: 'custom', path: ['next'], message: 'a part cannot be its own next' });
    if (m.base === m.part) ctx.addIssue({ code: 'custom', path: ['base'], message: 'a part cannot be its own base' });
  });

export type Manifest = z.infer<typeof ManifestPayload>;

/** It travels inside an `offer`, so it can never be larger than a body [FW-3.3]. */
export const MANIFEST_MAX_BYTES = 1024 * 1024;
export const manifestArtefact = defineArtefact('manifest', ManifestPayload, MANIFEST_MAX_BYTES);

/** Hashes a part chunk by chunk as it streams past, for the store's import. */
export class PartHasher {
  private readonly whole;
  private readonly chunkHashes: Uint8Array[] = [];
  private sizeBytes = 0;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly crypto: Crypto,
    readonly chunkBytes: number,
  ) {
    this.whole = crypto.sha256();
  }

  update(bytes: Uint8Array): void {
    this.whole.update(bytes);
    this.sizeBytes += bytes.length;
    let rest = bytes;
    while (rest.length > 0) {
      const take = Math.min(rest.length, this.chunkBytes - this.pendingBytes);
      this.pending.push(rest.subarray(0, take));
      this.pendingBytes += take;
      rest = rest.subarray(take);
      if (this.pendingBytes === this.chunkBytes) this.flushChunk();
    }
  }

  private flushChunk(): void {
    const h = this.crypto.sha256();
    for (const piece of this.pending) h.update(piece);
    this.chunkHashes.push(h.digest());
    this.pending = [];
    this.pendingBytes = 0;
  }

  finish(): { size: number; chunkBytes: number; chunks: Uint8Array[]; hash: Uint8Array } {
    if (this.pendingBytes > 0) this.flushChunk();
    if (this.sizeBytes === 0) throw new FairwayError('out-of-range', 'a part has at least one byte', 'size');
    return { size: this.sizeBytes, chunkBytes: this.chunkBytes, chunks: this.chunkHashes, hash: this.whole.digest() };
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Checks one received chunk against the manifest [FW-7.5]; hash-mismatch means drop it. */
export function verifyChunk(manifest: Manifest, index: number, data: Uint8Array, crypto: Crypto): void {
  const span = chunkSpan(index, manifest.size, manifest.chunkBytes);
  if (data.length !== span.lengthBytes) {
    throw new FairwayError('hash-mismatch', `chunk ${index} is ${data.length} bytes, the manifest says ${span.lengthBytes}`, 'd');
  }
  const h = crypto.sha256();
  h.update(data);
  if (!equalBytes(h.digest(), manifest.chunks[index] as Uint8Array)) {
    throw new FairwayError('hash-mismatch', `chunk ${index} does not match its manifest hash`, 'd');
  }
}

/** Checks the whole-part hash once every chunk is in [FW-7.6]. */
export function verifyPartHash(manifest: Manifest, digest: Uint8Array): void {
  if (!equalBytes(digest, manifest.hash)) throw new FairwayError('hash-mismatch', 'the part hash does not match the manifest', 'hash');
}

export { chunkCount, equalBytes };
