/**
 * The cartridge image: how a Fairway demo part lays out its program and its content, so the
 * Node executor can find them and the simulator can write parts of realistic sizes. The full
 * layout, with offsets and limits, is in README.md beside this file.
 *
 * Reading goes through PartImage.read in pieces and trusts no length in the image: every
 * field is bounds-checked against the part's size before it is read, and any flaw is an
 * ExecutorError `bad-image`, never a raw exception or an oversized allocation.
 */
import { decodeCbor, encodeCbor } from '../../../../sdk/cbor/index.js';
import { FairwayError } from '../../../../sdk/errors.js';
import { ExecutorError } from '../../../executor/executor-error.js';
import type { PartImage } from '../../../executor/executor.js';

/** "FWCART1\n": names the format and its version; a newline catches text-mode mangling. */
export const CARTRIDGE_MAGIC = new TextEncoder().encode('FWCART1\n');
/** Magic plus the 4-byte big-endian header length. */
export const CARTRIDGE_PREFIX_BYTES = CARTRIDGE_MAGIC.length + 4;
export const HEADER_MAX_BYTES = 256;
export const CODE_MAX_BYTES = 1024 * 1024;
export const DATA_MAX_BYTES = 256 * 1024;
/** Deepest nesting of arrays and objects in the content, so freezing it cannot overflow a stack. */
export const CONTENT_MAX_DEPTH = 32;
/** Reads are made in pieces of at most this, as a device reading flash would. */
export const READ_PIECE_BYTES = 64 * 1024;

/** An engine part carries the title's program (and its own content); a content part only content. */
export type CartridgeKind = 'engine' | 'content';

export interface CartridgeHeader {
  v: 1;
  kind: CartridgeKind;
  codeBytes: number;
  dataBytes: number;
}

export interface Cartridge {
  kind: CartridgeKind;
  /** The JavaScript program; null for a content part. */
  code: string | null;
  /** The content description as JSON text, checked to parse. */
  contentJson: string;
}

export interface CartridgeSpec {
  kind: CartridgeKind;
  /** The program (engine parts only). */
  code?: string;
  /** The content description, stored as JSON. */
  content: unknown;
  /** The part's nominal size: the image is padded up to it. Default: no padding. */
  sizeBytes?: number;
  /** Makes the padding (e.g. seeded bytes standing in for graphics and sound). Default: zeros. */
  filler?: (lengthBytes: number) => Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The bytes an image needs before padding; a nominal size below it cannot be written. */
export function cartridgeMinimumBytes(spec: Pick<CartridgeSpec, 'kind' | 'code' | 'content'>): number {
  return layout(spec).totalBytes;
}

export function encodeCartridge(spec: CartridgeSpec): Uint8Array {
  const { header, code, data, totalBytes } = layout(spec);
  const sizeBytes = spec.sizeBytes ?? totalBytes;
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes < totalBytes) {
    throw new FairwayError('out-of-range', `a ${spec.kind} image needs at least ${totalBytes} bytes; ${sizeBytes} asked for`, 'sizeBytes');
  }
  const out = new Uint8Array(sizeBytes);
  out.set(CARTRIDGE_MAGIC, 0);
  new DataView(out.buffer).setUint32(CARTRIDGE_MAGIC.length, header.length);
  let at = CARTRIDGE_PREFIX_BYTES;
  for (const piece of [header, code, data]) {
    out.set(piece, at);
    at += piece.length;
  }
  if (spec.filler && sizeBytes > at) {
    const padding = spec.filler(sizeBytes - at);
    if (padding.length !== sizeBytes - at) throw new FairwayError('invalid-argument', `filler gave ${padding.length} bytes for ${sizeBytes - at}`, 'filler');
    out.set(padding, at);
  }
  return out;
}

function layout(spec: Pick<CartridgeSpec, 'kind' | 'code' | 'content'>): { header: Uint8Array; code: Uint8Array; data: Uint8Array; totalBytes: number } {
  if (spec.kind !== 'engine' && spec.kind !== 'content') throw new FairwayError('invalid-argument', `kind is 'engine' or 'content'`, 'kind');
  if (spec.kind === 'engine' && !spec.code) throw new FairwayError('invalid-argument', 'an engine part carries a program', 'code');
  if (spec.kind === 'content' && spec.code !== undefined) throw new FairwayError('invalid-argument', 'a content part carries no program; it runs on its base part’s', 'code');
  const json = JSON.stringify(spec.content);
  if (json === undefined) throw new FairwayError('invalid-argument', 'content must be JSON-serialisable', 'content');
  const code = utf8.encode(spec.code ?? '');
  const data = utf8.encode(json);
  if (code.length > CODE_MAX_BYTES) throw new FairwayError('out-of-range', `${code.length} bytes of program; at most ${CODE_MAX_BYTES}`, 'code');
  if (data.length > DATA_MAX_BYTES) throw new FairwayError('out-of-range', `${data.length} bytes of content; at most ${DATA_MAX_BYTES}`, 'content');
  const headerValue: CartridgeHeader = { v: 1, kind: spec.kind, codeBytes: code.length, dataBytes: data.length };
  const header = encodeCbor({ ...headerValue });
  return { header, code, data, totalBytes: CARTRIDGE_PREFIX_BYTES + header.length + code.length + data.length };
}

/** Reads and checks an image's header, program and content (never its padding). */
export async function readCartridge(image: PartImage): Promise<Cartridge> {
  const bad = (message: string, path?: string, cause?: unknown) => new ExecutorError('bad-image', image.part, message, path, cause);
  const size = image.sizeBytes;
  if (!Number.isSafeInteger(size) || size < 0) throw bad(`a part size of ${size} bytes`, 'sizeBytes');
  if (size < CARTRIDGE_PREFIX_BYTES) throw bad(`${size} bytes is shorter than the ${CARTRIDGE_PREFIX_BYTES}-byte prefix`);

  const prefix = await readExactly(image, 0, CARTRIDGE_PREFIX_BYTES, bad);
  if (!CARTRIDGE_MAGIC.every((b, i) => prefix[i] === b)) throw bad('not a Fairway cartridge (wrong magic)', 'magic');
  const headerBytes = new DataView(prefix.buffer, prefix.byteOffset, prefix.byteLength).getUint32(CARTRIDGE_MAGIC.length);
  if (headerBytes < 1 || headerBytes > HEADER_MAX_BYTES) throw bad(`a header of ${headerBytes} bytes; 1–${HEADER_MAX_BYTES}`, 'headerBytes');
  if (CARTRIDGE_PREFIX_BYTES + headerBytes > size) throw bad(`the header runs past the end of the ${size}-byte part`, 'headerBytes');

  const header = parseHeader(await readExactly(image, CARTRIDGE_PREFIX_BYTES, headerBytes, bad), bad);
  const codeAt = CARTRIDGE_PREFIX_BYTES + headerBytes;
  const dataAt = codeAt + header.codeBytes;
  if (dataAt + header.dataBytes > size) {
    throw bad(`program (${header.codeBytes} bytes) and content (${header.dataBytes} bytes) run past the end of the ${size}-byte part`, 'header');
  }
  const code = header.kind === 'engine' ? decodeText(await readExactly(image, codeAt, header.codeBytes, bad), 'code', bad) : null;
  const contentJson = decodeText(await readExactly(image, dataAt, header.dataBytes, bad), 'content', bad);
  let content: unknown;
  try {
    content = JSON.parse(contentJson);
  } catch (e) {
    throw bad(`the content is not JSON: ${(e as Error).message}`, 'content', e);
  }
  if (depthOf(content) > CONTENT_MAX_DEPTH) throw bad(`the content nests deeper than ${CONTENT_MAX_DEPTH} levels`, 'content');
  return { kind: header.kind, code, contentJson };
}

type Bad = (message: string, path?: string, cause?: unknown) => ExecutorError;

function parseHeader(bytes: Uint8Array, bad: Bad): CartridgeHeader {
  let value: unknown;
  try {
    value = decodeCbor(bytes, { maxBytes: HEADER_MAX_BYTES, maxDepth: 2 });
  } catch (e) {
    throw bad(`the header is not CBOR: ${(e as Error).message}`, 'header', e);
  }
  if (typeof value !== 'object' || value === null || value instanceof Map || Array.isArray(value) || value instanceof Uint8Array) {
    throw bad('the header is not a map with text keys', 'header');
  }
  const fields = value as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !['v', 'kind', 'codeBytes', 'dataBytes'].includes(k));
  if (unknown !== undefined) throw bad(`unknown header field ${unknown}`, `header.${unknown}`);
  if (fields.v !== 1) throw bad(`header version ${String(fields.v)}; this build reads version 1`, 'header.v');
  const kind = fields.kind;
  if (kind !== 'engine' && kind !== 'content') throw bad(`kind ${String(kind)}; 'engine' or 'content'`, 'header.kind');
  const codeBytes = count(fields.codeBytes, CODE_MAX_BYTES, 'header.codeBytes', bad);
  const dataBytes = count(fields.dataBytes, DATA_MAX_BYTES, 'header.dataBytes', bad);
  if (kind === 'engine' && codeBytes === 0) throw bad('an engine part with no program', 'header.codeBytes');
  if (kind === 'content' && codeBytes !== 0) throw bad('a content part with a program', 'header.codeBytes');
  if (dataBytes === 0) throw bad('a part with no content', 'header.dataBytes');
  return { v: 1, kind, codeBytes, dataBytes };
}

function count(value: unknown, max: number, path: string, bad: Bad): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) throw bad(`${String(value)}; a byte count from 0 to ${max}`, path);
  return value;
}

/** Nesting depth of parsed JSON (a scalar is 0), walked without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const [v, depth] = item;
    if (typeof v !== 'object' || v === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > CONTENT_MAX_DEPTH) return deepest;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function decodeText(bytes: Uint8Array, path: string, bad: Bad): string {
  try {
    return strictUtf8.decode(bytes);
  } catch (e) {
    throw bad('not valid UTF-8', path, e);
  }
}

/** Reads [offset, offset + length) in pieces, refusing a failed, short or long read. */
async function readExactly(image: PartImage, offsetBytes: number, lengthBytes: number, bad: Bad): Promise<Uint8Array> {
  const out = new Uint8Array(lengthBytes);
  for (let done = 0; done < lengthBytes; ) {
    const want = Math.min(READ_PIECE_BYTES, lengthBytes - done);
    let piece: unknown;
    try {
      piece = await image.read(offsetBytes + done, want);
    } catch (e) {
      throw bad(`reading ${want} bytes at ${offsetBytes + done} failed: ${(e as Error)?.message ?? String(e)}`, undefined, e);
    }
    if (!(piece instanceof Uint8Array) || piece.length !== want) {
      throw bad(`reading ${want} bytes at ${offsetBytes + done} gave ${piece instanceof Uint8Array ? piece.length : typeof piece}`);
    }
    out.set(piece, done);
    done += want;
  }
  return out;
}
