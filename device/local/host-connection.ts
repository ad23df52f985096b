/**
 * One peer's connection to the host: its read loop, its one outbound function, and its own
 * chunk pump. Each connection pumps on its own and awaits its own writes, so a slow peer (a
 * write that takes long to drain) holds back only its own chunks; the pump's queue is bounded
 * (beyond it a window is answered `busy`), so nothing grows without limit either.
 */
import { isFairwayError } from '../../sdk/errors.js';
import type { LinkConnection } from '../../sdk/hal/link.js';
import { decodeLocalMessage, encodeLocalMessage, type PeerMessage } from '../../sdk/local/index.js';
import { FramedConnection } from './framed-connection.js';
import type { HostConnectionState, HostOutbound } from './host-context.js';
import { salvageRid } from '../../sdk/wire/decode-failure.js';
import { errorCodeFor, shortMessage } from './wire-error.js';

interface QueuedWindow {
  rid: number;
  indexes: readonly number[];
}

export interface HostConnectionOptions {
  maxQueuedChunks: number;
  maxFrameBytes: number;
  licence: Uint8Array;
  readChunk(index: number): Promise<Uint8Array>;
  onBadInput(info: { code: string; message: string; closed: boolean }): void;
}

export class HostConnection implements HostConnectionState {
  peer: string | null = null;
  seat: number | null = null;
  private readonly framed: FramedConnection;
  private readonly queue: QueuedWindow[] = [];
  private queuedChunks = 0;
  private pumping = false;
  /** Chunks written to this peer's link. */
  chunksSent = 0;

  constructor(
    link: LinkConnection,
    private readonly options: HostConnectionOptions,
  ) {
    this.framed = new FramedConnection(link, options.maxFrameBytes);
  }

  get closed(): boolean {
    return this.framed.closed;
  }

  async send(message: HostOutbound): Promise<void> {
    if (this.framed.closed) return;
    const body = encodeLocalMessage({ v: 1, ...message } as never);
    await this.framed.send(body).catch(() => undefined);
  }

  enqueueChunks(rid: number, indexes: readonly number[]): boolean {
    if (this.queuedChunks + indexes.length > this.options.maxQueuedChunks) return false;
    this.queue.push({ rid, indexes });
    this.queuedChunks += indexes.length;
    void this.pump();
    return true;
  }

  async fail(code: string, message: string, rid?: number): Promise<void> {
    this.options.onBadInput({ code, message, closed: true });
    await this.send({ t: 'error', code, message: shortMessage(message), ...(rid === undefined ? {} : { rid }) });
    await this.close();
  }

  close(): Promise<void> {
    this.queue.length = 0;
    this.queuedChunks = 0;
    return this.framed.close();
  }

  /**
   * Reads and dispatches until the connection ends. Framing faults and undecodable or
   * wrong-direction bodies get a typed `error` and close this connection only.
   */
  async run(dispatch: (message: PeerMessage) => Promise<void>): Promise<void> {
    const end = await this.framed.readLoop(async (body) => {
      let message: PeerMessage;
      try {
        message = decodeLocalMessage(body, 'peer', this.options.maxFrameBytes) as PeerMessage;
      } catch (error) {
        if (!isFairwayError(error)) throw error;
        return this.fail(errorCodeFor(error), error.message, salvageRid(body));
      }
      try {
        await dispatch(message);
      } catch (error) {
        // A fault of the host's own (its flash): this request changed nothing and may be retried.
        if (!isFairwayError(error)) throw error;
        const rid = 'rid' in message ? message.rid : undefined;
        await this.send({ t: 'error', code: 'internal', message: shortMessage(error.message), ...(rid === undefined ? {} : { rid }) });
      }
    });
    if (end.kind === 'bad-frame') await this.fail(errorCodeFor(end.error), end.error.message);
    else await this.close();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (let window = this.queue.shift(); window; window = this.queue.shift()) {
        for (let k = 0; k < window.indexes.length; k++) {
          if (this.framed.closed) return;
          const index = window.indexes[k]!;
          this.queuedChunks--;
          let data: Uint8Array;
          try {
            data = await this.options.readChunk(index);
          } catch (error) {
            if (!isFairwayError(error)) throw error;
            this.queuedChunks -= window.indexes.length - k - 1;
            await this.send({ t: 'error', rid: window.rid, code: 'internal', message: shortMessage(`reading chunk ${index}: ${error.message}`) });
            break;
          }
          await this.send({ t: 'chunk', r: window.rid, x: this.options.licence, i: index, d: data });
          this.chunksSent++;
        }
      }
    } finally {
      this.pumping = false;
    }
  }
}

/** The request's rid when the body is a map with a u32 `rid` at the top [FW-4.10], else undefined. */
