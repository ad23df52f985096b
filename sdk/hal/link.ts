/**
 * Link: an ordered, reliable byte duplex to the broker (TCP, TLS, a modem's socket) [FW-11.2].
 *
 * Reads are pulled, so a terminal that is slow to read exerts back-pressure instead of
 * buffering without bound. Loss on a radio shows up here as a stall or a reset, never as
 * missing bytes inside the stream.
 */
export interface LinkConnection {
  /** Resolves once the bytes are handed to the transport. After close → closed. */
  write(bytes: Uint8Array): Promise<void>;
  /**
   * The next bytes received, in order, never an empty array; `null` once the peer has closed
   * cleanly or this side has closed. A reset rejects with link-reset. A second read while one
   * is pending → invalid-argument.
   */
  read(): Promise<Uint8Array | null>;
  /** Idempotent. A pending read resolves with null. */
  close(): Promise<void>;
}

export interface Link {
  /** Opens a new connection; rejects with link-reset or timeout when it cannot. */
  connect(): Promise<LinkConnection>;
}
