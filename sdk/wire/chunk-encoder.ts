/**
 * The `chunk` body [FW-4.7] written directly: the store sends one per 16 KiB of every part it
 * serves, and the general path (schema check, then the CBOR encoder walking a map) cost as much
 * CPU per chunk as aedes' whole delivery did. The layout is fixed — a map of six text keys in
 * schema order, shortest-form integers — so the bytes are exactly those `encodeMessage` gives
 * for the same body (a test holds them equal); the fields are checked as the schema would.
 */
import { FairwayError } from '../errors.js';
import { PROTOCOL_VERSION } from './fields.js';

/** The schema's bound on `d`. */
const CHUNK_DATA_MAX_BYTES = 64 * 1024;
const TRANSFER_ID_BYTES = 16;
const U32_MAX = 0xffff_ffff;

export interface ChunkBody {
  /** `rid` of the chunks.get that asked for it. */
  r: number;
  /** Transfer id, 16 bytes. */
  x: Uint8Array;
  /** Chunk index. */
  i: number;
  /** Chunk bytes. */
  d: Uint8Array;
}

/** CBOR: map(6), "v": PROTOCOL_VERSION, "t": "chunk", then the key "r". */
const HEAD = Uint8Array.of(0xa6, 0x61, 0x76, PROTOCOL_VERSION, 0x61, 0x74, 0x65, 0x63, 0x68, 0x75, 0x6e, 0x6b, 0x61, 0x72);

export function encodeChunkMessage(body: ChunkBody): Uint8Array {
  checkU32(body.r, 'r');
  checkU32(body.i, 'i');
  if (!(body.x instanceof Uint8Array)) throw new FairwayError('wrong-type', 'x is a byte string', 'x');
  if (body.x.length !== TRANSFER_ID_BYTES) throw new FairwayError('out-of-range', `x is ${TRANSFER_ID_BYTES} bytes`, 'x');
  if (!(body.d instanceof Uint8Array)) throw new FairwayError('wrong-type', 'd is a byte string', 'd');
  if (body.d.length > CHUNK_DATA_MAX_BYTES) throw new FairwayError('out-of-range', `d is at most ${CHUNK_DATA_MAX_BYTES} bytes`, 'd');
  const dataLength = body.d.length;
  const size = HEAD.length + uintSize(body.r) + 3 + TRANSFER_ID_BYTES + 2 + uintSize(body.i) + 2 + uintSize(dataLength) + dataLength;
  const out = new Uint8Array(size);
  out.set(HEAD, 0);
  let at = writeUint(out, HEAD.length, 0x00, body.r);
  out[at++] = 0x61; // "x"
  out[at++] = 0x78;
  out[at++] = 0x40 | TRANSFER_ID_BYTES; // bytes(16)
  out.set(body.x, at);
  at += TRANSFER_ID_BYTES;
  out[at++] = 0x61; // "i"
  out[at++] = 0x69;
  at = writeUint(out, at, 0x00, body.i);
  out[at++] = 0x61; // "d"
  out[at++] = 0x64;
  at = writeUint(out, at, 0x40, dataLength);
  out.set(body.d, at);
  return out;
}

function checkU32(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new FairwayError('wrong-type', `${field} is an unsigned integer`, field);
  if (value < 0 || value > U32_MAX) throw new FairwayError('out-of-range', `${field} is at most ${U32_MAX}`, field);
}

/** Bytes of a shortest-form CBOR head for `value`. */
function uintSize(value: number): number {
  if (value < 24) return 1;
  if (value < 0x100) return 2;
  if (value < 0x10000) return 3;
  return 5;
}

/** Writes a CBOR head of major type `major` (already shifted) carrying `value`; returns the next offset. */
function writeUint(out: Uint8Array, at: number, major: number, value: number): number {
  if (value < 24) {
    out[at] = major | value;
    return at + 1;
  }
  if (value < 0x100) {
    out[at] = major | 24;
    out[at + 1] = value;
    return at + 2;
  }
  if (value < 0x10000) {
    out[at] = major | 25;
    out[at + 1] = value >>> 8;
    out[at + 2] = value & 0xff;
    return at + 3;
  }
  out[at] = major | 26;
  out[at + 1] = value >>> 24;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = (value >>> 8) & 0xff;
  out[at + 4] = value & 0xff;
  return at + 5;
}
