/**
 * ByteQueue: the bytes a pulled link delivered and a framer has not consumed yet, kept as the
 * pieces they came in. A framer peeks at header bytes without copying, then takes a whole
 * frame: a view when it sits in one piece, one copy when it spans several. Shared by the MQTT
 * packet reader and the local session's frame reader, which cut different headers out of the
 * same kind of stream.
 */
export class ByteQueue {
  private readonly pieces: Uint8Array[] = [];
  private headOffset = 0;
  private buffered = 0;

  /** Bytes held. */
  get size(): number {
    return this.buffered;
  }

  push(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.pieces.push(piece);
    this.buffered += piece.length;
  }

  /** The byte `index` places past the read position, without consuming it; undefined if not here yet. */
  peek(index: number): number | undefined {
    let skip = this.headOffset + index;
    for (const piece of this.pieces) {
      if (skip < piece.length) return piece[skip];
      skip -= piece.length;
    }
    return undefined;
  }

  /** Consumes `count` bytes (count ≤ size): a view when they sit in one piece, else one copy. */
  take(count: number): Uint8Array {
    this.buffered -= count;
    const first = this.pieces[0];
    if (first === undefined) return new Uint8Array(0);
    if (first.length - this.headOffset >= count) {
      const bytes = first.subarray(this.headOffset, this.headOffset + count);
      this.advance(first, count);
      return bytes;
    }
    const bytes = new Uint8Array(count);
    let filled = 0;
    while (filled < count) {
      const piece = this.pieces[0] as Uint8Array;
      const chunk = piece.subarray(this.headOffset, this.headOffset + (count - filled));
      bytes.set(chunk, filled);
      filled += chunk.length;
      this.advance(piece, chunk.length);
    }
    return bytes;
  }

  clear(): void {
    this.pieces.length = 0;
    this.headOffset = 0;
    this.buffered = 0;
  }

  private advance(piece: Uint8Array, count: number): void {
    this.headOffset += count;
    if (this.headOffset === piece.length) {
      this.pieces.shift();
      this.headOffset = 0;
    }
  }
}
