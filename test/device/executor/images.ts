/**
 * Building part images for the executor tests: well-formed cartridges through the real
 * encoder, and hand-laid ones whose every field the test chooses, to make each bad image.
 */
import { bytesPartImage, type PartImage } from '../../../device/executor/index.js';
import { CARTRIDGE_MAGIC, encodeCartridge, type CartridgeSpec } from '../../../device/ports/node/cartridge/index.js';
import { encodeCbor, type CborValue } from '../../../sdk/cbor/index.js';

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

export function image(part: string, bytes: Uint8Array, options: { title?: string; seq?: number } = {}): PartImage {
  return bytesPartImage({ part, title: options.title ?? 'test-title', seq: options.seq ?? 1 }, bytes);
}

/** A cartridge image through the real encoder. */
export function cartridge(part: string, spec: CartridgeSpec, options: { title?: string; seq?: number } = {}): PartImage {
  return image(part, encodeCartridge(spec), options);
}

/** An engine part whose program is `code` and whose content is `content` ({} by default). */
export function engine(code: string, content: unknown = {}, part = 'engine-part'): PartImage {
  return cartridge(part, { kind: 'engine', code, content });
}

/** The program and content `laidOut` uses unless told otherwise. */
export const LAID_OUT_CODE = utf8('function play(host) { return { results: {}, continue: false }; }');
export const LAID_OUT_DATA = utf8('{"n":1}');

export interface Layout {
  magic?: Uint8Array;
  /** The header length field; by default the header's real length. */
  headerLength?: number;
  /** A CBOR value to encode, or raw header bytes. */
  header?: CborValue | Uint8Array;
  code?: Uint8Array;
  data?: Uint8Array;
  padding?: number;
}

/** An image laid out by hand: magic, length, header, program, content, padding. */
export function laidOut(layout: Layout = {}): Uint8Array {
  const code = layout.code ?? LAID_OUT_CODE;
  const data = layout.data ?? LAID_OUT_DATA;
  const header =
    layout.header instanceof Uint8Array ? layout.header : encodeCbor(layout.header ?? { v: 1, kind: 'engine', codeBytes: code.length, dataBytes: data.length });
  const magic = layout.magic ?? CARTRIDGE_MAGIC;
  const out = new Uint8Array(magic.length + 4 + header.length + code.length + data.length + (layout.padding ?? 0));
  out.set(magic, 0);
  new DataView(out.buffer).setUint32(magic.length, layout.headerLength ?? header.length);
  out.set(header, magic.length + 4);
  out.set(code, magic.length + 4 + header.length);
  out.set(data, magic.length + 4 + header.length + code.length);
  return out;
}

/** A PartImage over bytes that also records every read made of it. */
export function recordingImage(part: string, bytes: Uint8Array): PartImage & { reads: [number, number][] } {
  const inner = image(part, bytes);
  const reads: [number, number][] = [];
  return {
    ...inner,
    reads,
    read(offsetBytes, lengthBytes) {
      reads.push([offsetBytes, lengthBytes]);
      return inner.read(offsetBytes, lengthBytes);
    },
  };
}
