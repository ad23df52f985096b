/**
 * CBOR for the Fairway data model [FW-3]: maps with text (messages) or integer (COSE headers)
 * keys, arrays, integers, byte and text strings, booleans, null and tag 18. No floats.
 *
 * Encoding is deterministic in the sense the wire vectors need: shortest heads, definite
 * lengths, map keys in the order the caller built them. Decoding runs the structural scan
 * first, then cbor-x, then turns cbor-x's Node-flavoured values into plain portable ones.
 */
import { Decoder, Encoder, Tag } from 'cbor-x';
import { DEFAULT_CONFIG } from '../config.js';
import { FairwayError } from '../errors.js';
import { scanCbor, type ScanLimits } from './scan.js';

/** A CBOR tag, independent of cbor-x's class so callers need not import cbor-x. */
export class CborTag {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

export type CborValue =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | CborValue[]
  | { [key: string]: CborValue }
  | Map<number | string, CborValue>
  | CborTag;

const encoder = new Encoder({ useRecords: false, mapsAsObjects: false, tagUint8Array: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

const TWO_32 = 0x1_0000_0000;

/** Maps our values onto what cbor-x encodes canonically (it writes big integers as floats). */
function prepare(value: unknown, path: string): unknown {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new FairwayError('wrong-type', 'only safe integers can be encoded', path);
    return value >= TWO_32 || value < -TWO_32 ? BigInt(value) : value;
  }
  if (typeof value === 'bigint') {
    if (value >= -(2n ** 64n) && value < 2n ** 64n) return value >= -TWO_32 && value < TWO_32 ? Number(value) : value;
    throw new FairwayError('out-of-range', 'integer beyond 64 bits', path);
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value instanceof Uint8Array) {
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => prepare(v, `${path}.${i}`));
  if (value instanceof CborTag) return new Tag(prepare(value.value, path), value.tag);
  if (value instanceof Map) {
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value) out.set(k, prepare(v, `${path}.${String(k)}`));
    return out;
  }
  if (typeof value === 'object') {
    const out = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value as object)) {
      if (v !== undefined) out.set(k, prepare(v, path ? `${path}.${k}` : k));
    }
    return out;
  }
  throw new FairwayError('wrong-type', `cannot encode a ${typeof value}`, path);
}

export function encodeCbor(value: CborValue): Uint8Array {
  const out = encoder.encode(prepare(value, ''));
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

/** Turns cbor-x output into portable values: Uint8Array, plain objects, CborTag, numbers. */
function normalize(value: unknown): CborValue {
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'bigint') return value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  if (Array.isArray(value)) return value.map(normalize);
  if (value instanceof Tag) return new CborTag(value.tag, normalize(value.value));
  if (value instanceof Map) {
    const textKeysOnly = [...value.keys()].every((k) => typeof k === 'string');
    if (!textKeysOnly) {
      const out = new Map<number | string, CborValue>();
      for (const [k, v] of value) out.set(typeof k === 'bigint' ? Number(k) : (k as number | string), normalize(v));
      return out;
    }
    const out: { [key: string]: CborValue } = {};
    // defineProperty, not assignment: a "__proto__" key must stay data, never a prototype.
    for (const [k, v] of value) Object.defineProperty(out, k as string, { value: normalize(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value as CborValue;
}

export interface DecodeLimits {
  maxBytes?: number;
  maxDepth?: number;
  allowedTags?: ReadonlySet<number>;
}

const NO_TAGS: ReadonlySet<number> = new Set();

/** Decodes exactly one item, or throws a FairwayError; never a raw RangeError. */
export function decodeCbor(bytes: Uint8Array, limits: DecodeLimits = {}): CborValue {
  const scanLimits: ScanLimits = {
    maxBytes: limits.maxBytes ?? DEFAULT_CONFIG.maxMessageBytes,
    maxDepth: limits.maxDepth ?? DEFAULT_CONFIG.maxNestingDepth,
    allowedTags: limits.allowedTags ?? NO_TAGS,
  };
  scanCbor(bytes, scanLimits);
  try {
    return normalize(decoder.decode(bytes));
  } catch (e) {
    // The scan accepted it, so this is a cbor-x limitation; still a typed refusal, not a crash.
    throw new FairwayError('malformed', `decoder refused the item: ${(e as Error).message}`);
  }
}
