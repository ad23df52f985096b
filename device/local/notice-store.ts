/**
 * The host's durable keeping of its peers' reception notices [FW-13.5.2, FW-14.5]: one blob
 * per (licence, seat), written in one go and durable before `notice.ok` goes out, so a notice
 * the peer was told is kept survives a power cut. A second blob marks a notice relayed to the
 * store (it then has an outcome and may be forgotten [FW-13.1.1]); the notice itself stays,
 * so a host restarted mid-session still knows which peers hold a seat. A blob torn by a power
 * cut does not decode: it is treated as absent (the peer never got its `notice.ok`, so it
 * sends the notice again).
 */
import { decodeCbor, encodeCbor } from '../../sdk/cbor/index.js';
import { isFairwayError } from '../../sdk/errors.js';
import type { Storage } from '../../sdk/hal/storage.js';
import { toHex } from '../../sdk/vectors/json.js';

const NOTICE_PREFIX = 'fw-sn.';
const RELAYED_PREFIX = 'fw-sr.';
const NOTICE_BLOB = /^fw-sn\.([0-9a-f]{32})\.([0-9]{1,2})$/;
/** A notice is ≤ 4 096 bytes [FW-14.1]; the record adds the peer id and a few heads. */
const MAX_RECORD_BYTES = 8192;

export interface KeptNotice {
  licence: Uint8Array;
  peer: string;
  seat: number;
  /** The peer-signed COSE_Sign1, exact bytes. */
  notice: Uint8Array;
  relayed: boolean;
}

export type NoticeRef = Pick<KeptNotice, 'licence' | 'seat'>;

export function noticeBlobName(licence: Uint8Array, seat: number): string {
  return `${NOTICE_PREFIX}${toHex(licence)}.${seat}`;
}

function relayedBlobName(licence: Uint8Array, seat: number): string {
  return `${RELAYED_PREFIX}${toHex(licence)}.${seat}`;
}

export class NoticeStore {
  constructor(private readonly storage: Storage) {}

  /** The notice kept for this seat, or null (none, or torn). */
  async get(licence: Uint8Array, seat: number): Promise<KeptNotice | null> {
    const record = await this.readRecord(noticeBlobName(licence, seat));
    if (!record) return null;
    return { ...record, relayed: await this.exists(relayedBlobName(licence, seat)) };
  }

  /**
   * Keeps `notice` for the seat, durably. Idempotent: a seat that already has a readable
   * notice keeps the first one (a resend, or a second notice from the same peer that the store
   * would answer `already-charged` anyway). Returns whether this call wrote it.
   */
  async put(licence: Uint8Array, seat: number, peer: string, notice: Uint8Array): Promise<boolean> {
    const name = noticeBlobName(licence, seat);
    if (await this.readRecord(name)) return false;
    // A torn blob from a cut write may be longer than the new record: remove it first.
    await this.removeIfPresent(name);
    await this.storage.write(name, 0, encodeCbor({ v: 1, licence, peer, seat, notice }));
    return true;
  }

  /** Every readable notice kept, optionally for one licence, in (licence, seat) order. */
  async list(licence?: Uint8Array): Promise<KeptNotice[]> {
    const blobs = await this.storage.list();
    const relayed = new Set(blobs.filter((b) => b.name.startsWith(RELAYED_PREFIX)).map((b) => b.name.slice(RELAYED_PREFIX.length)));
    const wanted = licence ? toHex(licence) : undefined;
    const out: KeptNotice[] = [];
    for (const blob of blobs) {
      const match = NOTICE_BLOB.exec(blob.name);
      if (!match || (wanted !== undefined && match[1] !== wanted)) continue;
      const record = await this.readRecord(blob.name);
      if (record) out.push({ ...record, relayed: relayed.has(blob.name.slice(NOTICE_PREFIX.length)) });
    }
    return out;
  }

  async pending(licence?: Uint8Array): Promise<KeptNotice[]> {
    return (await this.list(licence)).filter((n) => !n.relayed);
  }

  /** The store gave these notices an outcome: they are not relayed again. */
  async markRelayed(refs: readonly NoticeRef[]): Promise<void> {
    for (const ref of refs) {
      if (await this.readRecord(noticeBlobName(ref.licence, ref.seat))) await this.storage.write(relayedBlobName(ref.licence, ref.seat), 0, new Uint8Array([1]));
    }
  }

  /** Forgets every notice of a licence (after its settlement [FW-13.6]). */
  async forget(licence: Uint8Array): Promise<void> {
    const hex = toHex(licence);
    for (const blob of await this.storage.list()) {
      if (blob.name.startsWith(`${NOTICE_PREFIX}${hex}.`) || blob.name.startsWith(`${RELAYED_PREFIX}${hex}.`)) await this.removeIfPresent(blob.name);
    }
  }

  private async readRecord(name: string): Promise<Omit<KeptNotice, 'relayed'> | null> {
    let bytes: Uint8Array;
    try {
      bytes = await this.storage.read(name, 0, MAX_RECORD_BYTES);
    } catch (error) {
      if (isFairwayError(error, 'not-found')) return null;
      throw error;
    }
    try {
      const value = decodeCbor(bytes, { maxBytes: MAX_RECORD_BYTES }) as Record<string, unknown>;
      const { licence, peer, seat, notice } = value ?? {};
      if (!(licence instanceof Uint8Array) || typeof peer !== 'string' || typeof seat !== 'number' || !(notice instanceof Uint8Array)) return null;
      return { licence, peer, seat, notice };
    } catch (error) {
      if (isFairwayError(error)) return null;
      throw error;
    }
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.storage.read(name, 0, 1);
      return true;
    } catch (error) {
      if (isFairwayError(error, 'not-found')) return false;
      throw error;
    }
  }

  private async removeIfPresent(name: string): Promise<void> {
    try {
      await this.storage.remove(name);
    } catch (error) {
      if (!isFairwayError(error, 'not-found')) throw error;
    }
  }
}
