/**
 * StorageManager: the terminal's flash budget for parts. Every part reserves its bytes up front
 * (data + manifest/bitmap/receipt allowance) in a numbered slot, so the sum of reservations,
 * plus a system reserve for the terminal's own state blobs and the part table, never exceeds
 * the capacity: storage used ≤ the device limit holds at every step by construction.
 *
 * Parts whose service has ended are deleted (seed 000, claim 2) unless a later part still needs
 * them as its base. Every change is written to the part table before the promise resolves, and
 * blobs are deleted only after the table no longer names them, so a power cut at any await
 * leaves either the old or the new table, plus at worst orphan blobs that open() removes. One
 * queue runs every call that touches the table or the blobs, one at a time.
 */
import { FairwayError, isFairwayError } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/hal/storage.js';
import { checkByteCount, checkBytes } from '../../sdk/hal/storage-arguments.js';
import { id } from '../../sdk/wire/fields.js';
import {
  EMPTY_TABLE,
  decodeTable,
  encodeTable,
  parseReserveRequest,
  reservedBytesOf,
  type PartRecord,
  type PartState,
  type PartTable,
  type ReserveRequest,
} from './part-table.js';
import { deletionCandidates, evictable, neededBases, planEviction } from './part-rules.js';
import { PartLeases } from './part-leases.js';
import { SerialQueue } from './serial-queue.js';
import { PART_BLOB_KINDS, SIDE_KINDS, isPartBlobKind, parseSlotBlobName, slotBlobName, type PartBlobKind } from './slot-blobs.js';
import { PartInUseError, StorageFullError } from './storage-errors.js';
import { TableBlob, removeTableBlob } from './table-blob.js';

export interface StorageManagerOptions {
  /**
   * Bytes parts may never use: room for the terminal's own state blobs (named by the caller,
   * e.g. `fw-state`; never `fw-parts` or `s<n>.<kind>`, which are the manager's) and the part
   * table blob, which takes at least 1 KiB and about 2.5 × (100–300 bytes a part).
   */
  systemReserveBytes?: number;
}

export const DEFAULT_SYSTEM_RESERVE_BYTES = 64 * 1024;

/** A stored part as the manager reports it. */
export interface StoredPart {
  part: string;
  title: string;
  seq: number;
  base: string | null;
  state: PartState;
  slot: number;
  dataBytes: number;
  /** Shared by the manifest, bitmap and receipt blobs. */
  sideBytes: number;
  /** dataBytes + sideBytes: what the part holds of the budget, written or not. */
  reservedBytes: number;
  /** Bytes its blobs hold now (≤ reservedBytes). */
  writtenBytes: number;
}

export interface StorageManagerUsage {
  capacityBytes: number;
  systemReserveBytes: number;
  /** Every part's whole reservation, plus blobs of deleted parts whose removal failed (retried). */
  reservedBytes: number;
  /** Bytes the parts' blobs hold now. */
  usedBytes: number;
  /** capacity − system reserve − reserved (never below 0). */
  freeBytes: number;
}

export type ServedOutcome = 'deleted' | 'kept-base' | 'kept-hosted';

type BlobSizes = Map<PartBlobKind, number>;

export class StorageManager {
  private readonly queue = new SerialQueue();
  /** Blobs of deleted slots that could not be removed: counted as used until a retry works. */
  private readonly strays = new Map<string, number>();
  /** Parts a host session is serving to peers: kept through their own service's end. */
  private readonly leases = new PartLeases();

  private constructor(
    private readonly storage: Storage,
    private readonly tableBlob: TableBlob,
    private table: PartTable,
    /** The size of each blob of each slot in the table (absent: the blob does not exist). */
    private readonly sizes: Map<number, BlobSizes>,
    readonly capacityBytes: number,
    readonly systemReserveBytes: number,
  ) {}

  /**
   * Loads the table, then reconciles it with the blobs: blobs of slots it does not know (left by
   * a power cut between a table write and the deletes) are removed; a slot whose blobs are
   * missing keeps its reservation. An unreadable table → StorageTableError (kind malformed);
   * StorageManager.erase() is the way out.
   */
  static async open(storage: Storage, options: StorageManagerOptions = {}): Promise<StorageManager> {
    const systemReserveBytes = options.systemReserveBytes ?? DEFAULT_SYSTEM_RESERVE_BYTES;
    checkByteCount(systemReserveBytes, 'systemReserveBytes');
    const { capacityBytes } = await storage.usage();
    if (systemReserveBytes > capacityBytes) {
      throw new FairwayError('invalid-argument', `a system reserve of ${systemReserveBytes} bytes exceeds the capacity of ${capacityBytes}`, 'systemReserveBytes');
    }
    const { blob, body } = await TableBlob.load(storage);
    const table = body === null ? EMPTY_TABLE : decodeTable(body);
    const slots = new Set(table.parts.map((p) => p.slot));
    const sizes = new Map<number, BlobSizes>(table.parts.map((p) => [p.slot, new Map()]));
    const manager = new StorageManager(storage, blob, table, sizes, capacityBytes, systemReserveBytes);
    for (const info of await storage.list()) {
      const parsed = parseSlotBlobName(info.name);
      if (!parsed) continue;
      if (slots.has(parsed.slot)) sizes.get(parsed.slot)?.set(parsed.kind, info.sizeBytes);
      else await manager.removeBlob(info.name, info.sizeBytes);
    }
    return manager;
  }

  /**
   * Deletes the part table and every part blob, keeping the caller's own blobs: the recovery
   * when open() reports an unreadable table. Do not use a manager open on the storage after.
   * The table goes first, so a cut part-way leaves blobs the next open() removes anyway.
   */
  static async erase(storage: Storage): Promise<void> {
    await removeTableBlob(storage);
    for (const info of await storage.list()) {
      if (parseSlotBlobName(info.name)) await storage.remove(info.name);
    }
  }

  /**
   * Reserves a slot for a part, or returns the one it already has (the same request again is
   * a no-op, as after a reboot). When free space is short it evicts ended parts nothing needs,
   * oldest ended first, but only if that makes enough room; otherwise StorageFullError and
   * nothing changes.
   */
  reserve(request: ReserveRequest): Promise<StoredPart> {
    return this.queue.run(async () => {
      const req = parseReserveRequest(request);
      const existing = this.record(req.part);
      if (existing) {
        const same = existing.title === req.title && existing.seq === req.seq && existing.base === req.base && existing.dataBytes === req.dataBytes && existing.sideBytes === req.sideBytes;
        if (!same) throw new FairwayError('invalid-argument', `part ${req.part} is already reserved with other figures; release it first`, 'part');
        return this.describe(existing);
      }
      await this.retryStrays();
      const neededBytes = req.dataBytes + req.sideBytes;
      const freeBytes = this.freeBytes();
      // A hosted part (and its base chain) is needed as much as the part being reserved.
      const roots = [...(req.base === null ? [] : [req.base]), ...this.leases.parts()];
      const evicted = planEviction(this.table.parts, neededBytes, freeBytes, roots);
      if (!evicted) {
        const freeable = evictable(this.table.parts, roots).reduce((sum, p) => sum + reservedBytesOf(p), 0);
        throw new StorageFullError(neededBytes, Math.max(0, freeBytes), freeable, deletionCandidates(this.table.parts));
      }
      const record: PartRecord = { ...req, slot: this.table.nextSlot, state: 'reserved', endedOrder: null };
      const gone = new Set(evicted.map((p) => p.part));
      await this.commit(
        { ...this.table, nextSlot: this.table.nextSlot + 1, parts: [...this.table.parts.filter((p) => !gone.has(p.part)), record] },
        evicted,
      );
      this.sizes.set(record.slot, new Map());
      return this.describe(record);
    });
  }

  /**
   * Writes into one of a part's blobs. A write that would take the blob past its reservation
   * (data: dataBytes; manifest, bitmap and receipt together: sideBytes) → out-of-range, and
   * nothing is written.
   */
  write(part: string, kind: PartBlobKind, offsetBytes: number, bytes: Uint8Array): Promise<void> {
    return this.queue.run(async () => {
      checkKind(kind);
      checkByteCount(offsetBytes, 'offsetBytes');
      checkBytes(bytes);
      const record = this.existing(part);
      const sizes = this.sizesOf(record.slot);
      const newSize = Math.max(sizes.get(kind) ?? 0, offsetBytes + bytes.length);
      const limit = kind === 'data' ? record.dataBytes : record.sideBytes - sideBytesUsed(sizes, kind);
      if (newSize > limit) {
        const what = kind === 'data' ? `its ${record.dataBytes} data bytes` : `the ${limit} side bytes left of its ${record.sideBytes}`;
        throw new FairwayError('out-of-range', `writing ${bytes.length} bytes at ${offsetBytes} of ${kind} would take part ${part} past ${what}`, 'offsetBytes');
      }
      const name = slotBlobName(record.slot, kind);
      try {
        await this.storage.write(name, offsetBytes, bytes);
        sizes.set(kind, newSize);
      } catch (error) {
        await this.refreshSize(record.slot, kind);
        throw error;
      }
    });
  }

  /** Reads from a part's blob; a blob nothing was written to yet reads as empty. */
  read(part: string, kind: PartBlobKind, offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
    return this.queue.run(async () => {
      checkKind(kind);
      checkByteCount(offsetBytes, 'offsetBytes');
      checkByteCount(lengthBytes, 'lengthBytes');
      const record = this.existing(part);
      if (!this.sizesOf(record.slot).has(kind)) return new Uint8Array(0);
      return this.storage.read(slotBlobName(record.slot, kind), offsetBytes, lengthBytes);
    });
  }

  /** The whole part is on the device and verified. Again on a complete part: a no-op. */
  markComplete(part: string): Promise<StoredPart> {
    return this.queue.run(async () => {
      const record = this.existing(part);
      if (record.state === 'complete') return this.describe(record);
      if (record.state !== 'reserved') throw new FairwayError('invalid-argument', `part ${part} was already served`, 'part');
      const updated: PartRecord = { ...record, state: 'complete' };
      await this.commit(this.replaced(updated), []);
      return this.describe(updated);
    });
  }

  /**
   * The part has been played: its service has ended. It is deleted at once (claim 2) unless a
   * live part needs it as a base, in which case it stays as kept-base until finishTitle (or
   * until eviction, once nothing live needs it). Only a stored part can name its base, so a
   * terminal that plays part 1 before reserving part 2 should reserve part 2 first.
   */
  markServed(part: string): Promise<ServedOutcome> {
    return this.queue.run(async () => {
      const record = this.existing(part);
      if (this.leases.has(part)) {
        this.leases.ended(part, 'served');
        return 'kept-hosted';
      }
      if (record.state === 'kept-base') return 'kept-base';
      if (record.state !== 'complete') throw new FairwayError('invalid-argument', `part ${part} is not complete, so it cannot have been played`, 'part');
      await this.retryStrays();
      if (neededBases(this.table.parts).has(part)) {
        const updated: PartRecord = { ...record, state: 'kept-base', endedOrder: this.table.nextOrder };
        await this.commit({ ...this.replaced(updated), nextOrder: this.table.nextOrder + 1 }, []);
        return 'kept-base';
      }
      await this.commit(this.without([record]), [record]);
      return 'deleted';
    });
  }

  /** The title's session is over: every part of it goes, whatever its state. Returns their ids. */
  finishTitle(title: string): Promise<string[]> {
    return this.queue.run(async () => {
      checkId(title, 'title');
      await this.retryStrays();
      const parts = this.table.parts.filter((p) => p.title === title && !this.leases.has(p.part));
      for (const p of this.table.parts) if (p.title === title && this.leases.has(p.part)) this.leases.ended(p.part, 'finished');
      if (parts.length > 0) await this.commit(this.without(parts), parts);
      return parts.map((p) => p.part);
    });
  }

  /**
   * Keeps a complete part while a host session serves it to peers: its service ending (played,
   * or the title finished) does not delete it until every lease is returned; then it goes as
   * that ending would have removed it. Returns the function that gives the lease back.
   */
  lease(part: string): () => Promise<void> {
    const record = this.existing(part);
    if (record.state === 'reserved') throw new FairwayError('invalid-argument', `part ${part} is not complete, so it cannot be hosted`, 'part');
    this.leases.take(part);
    let returned = false;
    return () => {
      if (returned) return Promise.resolve();
      returned = true;
      const { last, ending: ended } = this.leases.giveBack(part);
      if (!last) return Promise.resolve();
      if (ended === 'served') return this.markServed(part).then(() => undefined, ignoreGone);
      if (ended === 'finished') return this.queue.run(() => (this.record(part) ? this.delete(part, true) : Promise.resolve()));
      return Promise.resolve();
    };
  }

  /**
   * Cancels or abandons a part: its blobs go and its reservation is freed. Refused with
   * PartInUseError while a live part needs it as a base (release those first).
   */
  release(part: string): Promise<void> {
    return this.queue.run(() => this.delete(part, false));
  }

  /**
   * The user deletes a part. Refused with PartInUseError while a live part needs it as a base,
   * unless forced (the parts that need it then cannot run until it is fetched again).
   */
  remove(part: string, options: { force?: boolean } = {}): Promise<void> {
    return this.queue.run(() => this.delete(part, options.force === true));
  }

  get(part: string): StoredPart | undefined {
    const record = this.record(part);
    return record ? this.describe(record) : undefined;
  }

  /** Every stored part, in reservation order. */
  list(): StoredPart[] {
    return [...this.table.parts].sort((a, b) => a.slot - b.slot).map((p) => this.describe(p));
  }

  usage(): StorageManagerUsage {
    const reservedBytes = this.reservedBytes();
    let usedBytes = 0;
    for (const sizes of this.sizes.values()) for (const size of sizes.values()) usedBytes += size;
    return {
      capacityBytes: this.capacityBytes,
      systemReserveBytes: this.systemReserveBytes,
      reservedBytes,
      usedBytes,
      freeBytes: Math.max(0, this.freeBytes()),
    };
  }

  private async delete(part: string, force: boolean): Promise<void> {
    const record = this.existing(part);
    const neededBy = neededBases(this.table.parts).get(part);
    if (neededBy && !force) throw new PartInUseError(part, neededBy);
    await this.retryStrays();
    await this.commit(this.without([record]), [record]);
  }

  /** Persists the new table first, then deletes the blobs of the slots it dropped. */
  private async commit(next: PartTable, dropped: readonly PartRecord[]): Promise<void> {
    await this.tableBlob.save(encodeTable(next));
    this.table = next;
    for (const record of dropped) {
      const sizes = this.sizes.get(record.slot);
      this.sizes.delete(record.slot);
      for (const [kind, size] of sizes ?? []) await this.removeBlob(slotBlobName(record.slot, kind), size);
    }
  }

  /**
   * Removes a blob the table no longer names. A failure does not fail the call (the change is
   * already committed): the blob is counted as used and its removal retried before the next
   * change that could need the room, and at the latest by the next open().
   */
  private async removeBlob(name: string, sizeBytes: number): Promise<void> {
    try {
      await this.storage.remove(name);
      this.strays.delete(name);
    } catch (error) {
      if (error instanceof FairwayError && error.kind === 'not-found') this.strays.delete(name);
      else this.strays.set(name, sizeBytes);
    }
  }

  private async retryStrays(): Promise<void> {
    for (const [name, size] of [...this.strays]) await this.removeBlob(name, size);
  }

  /** After a failed write the blob may have grown part-way: learn its real size. */
  private async refreshSize(slot: number, kind: PartBlobKind): Promise<void> {
    const name = slotBlobName(slot, kind);
    const info = await this.storage.list().then((blobs) => blobs.find((b) => b.name === name), () => undefined);
    if (info) this.sizesOf(slot).set(kind, info.sizeBytes);
  }

  private reservedBytes(): number {
    let total = 0;
    for (const p of this.table.parts) total += reservedBytesOf(p);
    for (const size of this.strays.values()) total += size;
    return total;
  }

  /** May be negative if the table was written under a smaller system reserve. */
  private freeBytes(): number {
    return this.capacityBytes - this.systemReserveBytes - this.reservedBytes();
  }

  private record(part: string): PartRecord | undefined {
    return this.table.parts.find((p) => p.part === part);
  }

  private existing(part: string): PartRecord {
    checkId(part, 'part');
    const record = this.record(part);
    if (!record) throw new FairwayError('not-found', `no stored part ${part}`, 'part');
    return record;
  }

  private sizesOf(slot: number): BlobSizes {
    let sizes = this.sizes.get(slot);
    if (!sizes) this.sizes.set(slot, (sizes = new Map()));
    return sizes;
  }

  private replaced(updated: PartRecord): PartTable {
    return { ...this.table, parts: this.table.parts.map((p) => (p.part === updated.part ? updated : p)) };
  }

  private without(records: readonly PartRecord[]): PartTable {
    const gone = new Set(records.map((p) => p.part));
    return { ...this.table, parts: this.table.parts.filter((p) => !gone.has(p.part)) };
  }

  private describe(record: PartRecord): StoredPart {
    let writtenBytes = 0;
    for (const size of this.sizes.get(record.slot)?.values() ?? []) writtenBytes += size;
    return {
      part: record.part,
      title: record.title,
      seq: record.seq,
      base: record.base,
      state: record.state,
      slot: record.slot,
      dataBytes: record.dataBytes,
      sideBytes: record.sideBytes,
      reservedBytes: reservedBytesOf(record),
      writtenBytes,
    };
  }
}

function sideBytesUsed(sizes: BlobSizes, except: PartBlobKind): number {
  let total = 0;
  for (const kind of SIDE_KINDS) if (kind !== except) total += sizes.get(kind) ?? 0;
  return total;
}

function checkKind(kind: unknown): asserts kind is PartBlobKind {
  if (!isPartBlobKind(kind)) throw new FairwayError('invalid-argument', `a part blob is one of ${PART_BLOB_KINDS.join(', ')}, not ${String(kind)}`, 'kind');
}

function checkId(value: unknown, what: string): void {
  if (!id.safeParse(value).success) throw new FairwayError('invalid-argument', `not a valid ${what} id: ${JSON.stringify(value)}`, what);
}

/** A leased part deleted meanwhile (a forced remove) needs nothing more. */
function ignoreGone(error: unknown): void {
  if (!isFairwayError(error, 'not-found')) throw error;
}
