/**
 * The part table's home: one blob (`fw-parts`) holding two copies of the encoded table, so a
 * power cut that tears a write leaves the other, older copy whole.
 *
 * Layout: the blob is 2 × half bytes; copy 0 starts at 0, copy 1 at half. A copy is a 16-byte
 * header (magic "FWT1", CRC-32 of everything after it, generation, body length; big-endian
 * u32s) and the CBOR body. On load, the whole copy with the newer generation wins. A save
 * always writes the copy that is NOT the current one, so the current one is never touched
 * while a write is in flight. When the table outgrows a half, the current copy is first made
 * copy 0, then the new one is written as copy 1 of a larger layout, past copy 0; until that
 * write completes, copy 0 is still found at offset 0. The blob stays under ~2.5 × the table.
 * The very first save is the one write with nothing to fall back on; a blob it left torn reads
 * as "no table yet", which is what it was.
 */
import { FairwayError } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/hal/storage.js';
import { crc32 } from './crc32.js';
import { TABLE_BLOB } from './slot-blobs.js';
import { StorageTableError } from './storage-errors.js';

const MAGIC = 0x46575431; // "FWT1"
const HEADER_BYTES = 16;
/** Smallest half, so a table of a few parts never needs to grow the blob. */
const MIN_HALF_BYTES = 512;

interface Copy {
  region: 0 | 1;
  generation: number;
  /** Header plus body. */
  frameBytes: number;
  body: Uint8Array;
}

/** True when generation a is newer than b, allowing the 32-bit counter to wrap. */
function newer(a: number, b: number): boolean {
  const diff = (a - b) >>> 0;
  return diff !== 0 && diff < 0x8000_0000;
}

function frame(generation: number, body: Uint8Array, paddedBytes: number): Uint8Array {
  const bytes = new Uint8Array(Math.max(paddedBytes, HEADER_BYTES + body.length));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(8, generation);
  view.setUint32(12, body.length);
  bytes.set(body, HEADER_BYTES);
  view.setUint32(4, crc32(bytes.subarray(8, HEADER_BYTES + body.length)));
  return bytes;
}

function parseCopy(blob: Uint8Array, offset: number, region: 0 | 1): Copy | undefined {
  if (offset + HEADER_BYTES > blob.length) return undefined;
  const view = new DataView(blob.buffer, blob.byteOffset + offset, blob.length - offset);
  if (view.getUint32(0) !== MAGIC) return undefined;
  const length = view.getUint32(12);
  if (HEADER_BYTES + length > view.byteLength) return undefined;
  const covered = blob.subarray(offset + 8, offset + HEADER_BYTES + length);
  if (crc32(covered) !== view.getUint32(4)) return undefined;
  return {
    region,
    generation: view.getUint32(8),
    frameBytes: HEADER_BYTES + length,
    body: blob.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length),
  };
}

function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

export class TableBlob {
  private constructor(
    private readonly storage: Storage,
    /** Current size of the blob (0: it does not exist). */
    private sizeBytes: number,
    /** The copy a load would pick now, or undefined before the first save. */
    private current: Copy | undefined,
    private nextGeneration: number,
  ) {}

  /** Reads the table blob: its newest whole copy's body, or null when there is no blob. */
  static async load(storage: Storage): Promise<{ blob: TableBlob; body: Uint8Array | null }> {
    const info = (await storage.list()).find((b) => b.name === TABLE_BLOB);
    if (!info) return { blob: new TableBlob(storage, 0, undefined, 1), body: null };
    const bytes = await storage.read(TABLE_BLOB, 0, info.sizeBytes);
    const half = Math.floor(bytes.length / 2);
    const copies = [parseCopy(bytes, 0, 0), half > 0 ? parseCopy(bytes, half, 1) : undefined].filter((c) => c !== undefined);
    const best = copies.reduce<Copy | undefined>((a, c) => (a === undefined || newer(c.generation, a.generation) ? c : a), undefined);
    if (!best) {
      // The very first save writes copy 1 past a zero-filled copy 0, and every later save keeps
      // a whole copy: so no whole copy and a blank copy 0 means that first save was cut short,
      // before any part existed. Anything else is damage.
      if (bytes.subarray(0, HEADER_BYTES).every((b) => b === 0)) return { blob: new TableBlob(storage, bytes.length, undefined, 1), body: null };
      throw new StorageTableError(`neither copy in the ${bytes.length}-byte blob is whole`);
    }
    return { blob: new TableBlob(storage, bytes.length, best, (best.generation + 1) >>> 0 || 1), body: best.body };
  }

  /** Durably replaces the table; a failure (or power cut) leaves the previous one loadable. */
  async save(body: Uint8Array): Promise<void> {
    const frameBytes = HEADER_BYTES + body.length;
    const current = this.current;
    if (current === undefined) return this.writeGrown(body);
    const half = Math.floor(this.sizeBytes / 2);
    if (current.region === 1) {
      if (frameBytes <= half) return this.writeCopy(0, 0, body);
      // Too big for copy 0's room. Growing moves where copy 1 is looked for, so first make the
      // current table copy 0 as well: a cut during the growth then still finds it at offset 0.
      if (current.frameBytes <= half) await this.writeCopy(0, 0, current.body);
      return this.writeGrown(body);
    }
    // current is copy 0: copy 1 must start past it and fit before the end of the blob.
    if (current.frameBytes <= half && frameBytes <= this.sizeBytes - half) return this.writeCopy(1, half, body);
    return this.writeGrown(body);
  }

  /** Writes a copy inside the present layout. */
  private async writeCopy(region: 0 | 1, offset: number, body: Uint8Array): Promise<void> {
    const generation = this.takeGeneration();
    const bytes = frame(generation, body, 0);
    await this.write(offset, bytes);
    this.sizeBytes = Math.max(this.sizeBytes, offset + bytes.length);
    this.current = { region, generation, frameBytes: bytes.length, body };
  }

  /**
   * Writes the table as copy 1 of a larger layout, padded to the new size in the same write.
   * The current copy (copy 0 by now) stays intact; a cut mid-write leaves a copy 1 that fails
   * its check, or a stale one with an older generation, so copy 0 is what loads.
   */
  private async writeGrown(body: Uint8Array): Promise<void> {
    const frameBytes = HEADER_BYTES + body.length;
    // Copy 1 must start past the current copy, and the blob must end where the new copy does
    // (no storage can shrink a blob). A quarter's headroom keeps it from regrowing every save.
    const current = this.current;
    const pastCurrent = current === undefined ? 0 : current.region === 0 ? current.frameBytes : this.sizeBytes;
    const half = Math.max(MIN_HALF_BYTES, Math.ceil(this.sizeBytes / 2), pastCurrent, roundUp(frameBytes + (frameBytes >> 2), 64));
    const generation = this.takeGeneration();
    await this.write(half, frame(generation, body, half));
    this.sizeBytes = 2 * half;
    this.current = { region: 1, generation, frameBytes, body };
  }

  /**
   * A write that failed may still have grown the blob (a port does not roll back a part-done
   * write), and the layout is read off the blob's size: learn the real size before going on.
   */
  private async write(offset: number, bytes: Uint8Array): Promise<void> {
    try {
      await this.storage.write(TABLE_BLOB, offset, bytes);
    } catch (error) {
      const info = await this.storage.list().then((blobs) => blobs.find((b) => b.name === TABLE_BLOB), () => undefined);
      if (info) this.sizeBytes = Math.max(this.sizeBytes, info.sizeBytes);
      throw error;
    }
  }

  /** Generations are spent even by failed writes, so a copy that did land is never reused. */
  private takeGeneration(): number {
    const generation = this.nextGeneration;
    this.nextGeneration = (generation + 1) >>> 0 || 1;
    return generation;
  }
}

/** Removes the table blob if there is one (the manager's erase). */
export async function removeTableBlob(storage: Storage): Promise<void> {
  try {
    await storage.remove(TABLE_BLOB);
  } catch (error) {
    if (!(error instanceof FairwayError && error.kind === 'not-found')) throw error;
  }
}
