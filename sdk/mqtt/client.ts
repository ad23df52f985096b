/**
 * MqttClient: a portable MQTT 3.1.1 client over the HAL Link and Clock, for the terminal runtime
 * on handhelds where mqtt.js (Node byte buffers and streams) cannot run — the coreMQTT arrangement.
 *
 * One read loop pulls bytes from the link, frames and decodes packets, and awaits the message
 * handler before it pulls again, so a slow terminal slows the broker through TCP flow control
 * instead of buffering without bound. The consequence callers must respect: a handler must not
 * await the completion of a QoS 1 publish (its PUBACK cannot be read while the handler runs);
 * it may start one and let it settle later.
 *
 * Every outbound packet goes through one write queue, so packets reach the link whole and in
 * order whatever the link does with concurrent writes. There is no automatic reconnect: the
 * terminal's session decides when to try again, with back-off and jitter [FW-7.7].
 */
import { FairwayError, isFairwayError } from '../errors.js';
import type { Clock } from '../hal/clock.js';
import type { Link, LinkConnection } from '../hal/link.js';
import { MqttConnectRefused, MqttSubscribeRefused, type ConnackRefusalCode } from './errors.js';
import { KeepAlive } from './keep-alive.js';
import { PacketIdPool } from './packet-ids.js';
import { checkMaxPacketBytes, DEFAULT_MAX_PACKET_BYTES, PacketReader } from './packet-reader.js';
import {
  checkPublishArguments,
  checkSubscribeArguments,
  decodePacket,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  SUBACK_FAILURE,
  type Connack,
  type InboundPacket,
  type InboundPublish,
  type MqttQos,
  type Suback,
} from './packets.js';

export interface MqttConnectOptions {
  /** The device id [FW-2.3]. */
  clientId: string;
  /** The device id again [FW-2.3]. */
  username: string;
  /** The COSE credential bytes [FW-2.3.1], sent as binary data. */
  password: Uint8Array;
  /** 1..65535; Fairway forbids 0 [FW-2.3]. Default 30. */
  keepAliveSeconds?: number;
  /** From opening the link to CONNACK. Default 10 000. */
  connectTimeoutMs?: number;
  /** Largest packet accepted from the broker, fixed header included. Default DEFAULT_MAX_PACKET_BYTES. */
  maxPacketBytes?: number;
}

export type MqttMessageHandler = (topic: string, payload: Uint8Array, qos: MqttQos) => void | Promise<void>;
/** `reason` is null after a local close(), otherwise why the connection ended. */
export type MqttCloseHandler = (reason: FairwayError | null) => void;

export const DEFAULT_KEEP_ALIVE_SECONDS = 30;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long close() waits for its DISCONNECT to reach the link before closing the link anyway. */
const DISCONNECT_GRACE_MS = 2_000;

interface Settings {
  clientId: string;
  username: string;
  password: Uint8Array;
  keepAliveSeconds: number;
  connectTimeoutMs: number;
  maxPacketBytes: number;
}

type PendingAck =
  | { expects: 'puback'; resolve(): void; reject(error: FairwayError): void }
  | { expects: 'suback'; filter: string; requestedQos: MqttQos; resolve(granted: number): void; reject(error: FairwayError): void };

type State = 'connecting' | 'open' | 'closed';

const noop = (): void => {};

export class MqttClient {
  private state: State = 'connecting';
  private readonly reader: PacketReader;
  private readonly ids = new PacketIdPool();
  private readonly pending = new Map<number, PendingAck>();
  private readonly keepAlive: KeepAlive;
  private messageHandler: MqttMessageHandler | undefined;
  private readonly closeHandlers: MqttCloseHandler[] = [];
  /** Set when the state becomes closed: null for a local close, else the failure. */
  private closeReason: FairwayError | null = null;
  /** Once the link is closed and the close handlers have run. */
  private finished: Promise<void> | undefined;
  private closeHandlersFired = false;
  /** The last write handed to the link; the next one waits for it. */
  private writeTail: Promise<void> = Promise.resolve();
  private connackWaiter: { resolve(): void; reject(error: FairwayError): void } | undefined;

  private constructor(
    private readonly connection: LinkConnection,
    private readonly clock: Clock,
    settings: Settings,
  ) {
    this.reader = new PacketReader(settings.maxPacketBytes);
    const periodMs = settings.keepAliveSeconds * 1000;
    this.keepAlive = new KeepAlive(clock, periodMs, {
      ping: () => void this.enqueue(encodePingreq()).catch(noop),
      expire: () => this.fail(new FairwayError('timeout', `the broker sent nothing within ${periodMs * 1.5} ms of a PINGREQ`)),
    });
  }

  /**
   * Opens a connection on `link`, sends CONNECT (clean session, no will) and waits for CONNACK.
   * Rejects with MqttConnectRefused (kind closed, `returnCode` 1..5) when the broker refuses,
   * timeout when no CONNACK arrives within connectTimeoutMs, the link's error when it cannot
   * connect, and invalid-argument for bad options, before the link is touched.
   */
  static async connect(link: Link, clock: Clock, options: MqttConnectOptions): Promise<MqttClient> {
    const settings = resolveSettings(options);
    const connectPacket = encodeConnect({ ...settings, cleanSession: true });
    let client: MqttClient | undefined;
    let timeout: FairwayError | undefined;
    let expire: (error: FairwayError) => void = noop;
    const expired = new Promise<never>((_, reject) => (expire = reject));
    expired.catch(noop);
    const timer = clock.setTimer(settings.connectTimeoutMs, () => {
      timeout = new FairwayError('timeout', `no CONNACK within ${settings.connectTimeoutMs} ms`);
      client?.fail(timeout);
      expire(timeout);
    });
    try {
      const opening = link.connect();
      let connection: LinkConnection;
      try {
        connection = await Promise.race([opening, expired]);
      } catch (error) {
        // Gave up while the link was still opening: close it if it ever does open.
        if (timeout) opening.then((late) => late.close()).catch(noop);
        throw asFairwayError(error);
      }
      client = new MqttClient(connection, clock, settings);
      // The deadline may have passed between the link opening and this line.
      if (timeout) {
        client.fail(timeout);
        throw timeout;
      }
      await Promise.race([client.handshake(connectPacket), expired]);
      return client;
    } finally {
      timer.cancel();
    }
  }

  /** True from CONNACK 0 until the connection closes for any reason. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * Sets the one handler for inbound messages; set it before subscribing. The read loop awaits
   * it before reading on, and acknowledges a QoS 1 message once it settles — also when it throws,
   * since a clean session means the broker would never redeliver anyway [FW-2.5.2]. Messages that
   * arrive with no handler set are acknowledged and dropped.
   */
  onMessage(handler: MqttMessageHandler): void {
    this.messageHandler = handler;
  }

  /** Calls `handler` exactly once when the connection ends (at once, if it already has). */
  onClose(handler: MqttCloseHandler): void {
    if (!this.closeHandlersFired) {
      this.closeHandlers.push(handler);
      return;
    }
    const reason = this.closeReason;
    void Promise.resolve().then(() => handler(reason));
  }

  /**
   * Subscribes to one filter; resolves with the granted QoS. A SUBACK of 0x80 rejects with
   * MqttSubscribeRefused; the connection ending first rejects with closed.
   */
  subscribe(filter: string, qos: MqttQos): Promise<number> {
    try {
      checkSubscribeArguments(filter, qos);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.state !== 'open') return Promise.reject(this.closedError());
    return this.request(
      (packetId) => encodeSubscribe(packetId, filter, qos),
      (resolve, reject) => ({ expects: 'suback', filter, requestedQos: qos, resolve, reject }),
    );
  }

  /**
   * Publishes with retain 0. QoS 0 resolves once the link has taken the bytes; QoS 1 once the
   * broker's PUBACK arrives. The connection ending first rejects with closed.
   */
  publish(topic: string, payload: Uint8Array, qos: MqttQos): Promise<void> {
    try {
      checkPublishArguments(topic, payload, qos);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.state !== 'open') return Promise.reject(this.closedError());
    if (qos === 0) {
      return this.enqueue(encodePublish({ topic, payload, qos })).catch(() => {
        throw this.closedError();
      });
    }
    return this.request(
      (packetId) => encodePublish({ topic, payload, qos, packetId }),
      (resolve, reject) => ({ expects: 'puback', resolve: () => resolve(undefined), reject }),
    );
  }

  /** Sends DISCONNECT and closes the link; pending requests reject with closed. Idempotent. */
  close(): Promise<void> {
    if (this.finished) return this.finished;
    const disconnected = this.state === 'open' ? this.enqueue(encodeDisconnect()) : Promise.resolve();
    this.shutdown(null);
    this.finished = this.withinGrace(disconnected)
      .then(() => this.connection.close())
      .catch(noop)
      .then(() => this.fireCloseHandlers());
    return this.finished;
  }

  // ---- requests that wait for an acknowledgement ----------------------------------------------

  private request<T>(
    encode: (packetId: number) => Uint8Array,
    entry: (resolve: (value: T) => void, reject: (error: FairwayError) => void) => PendingAck,
  ): Promise<T> {
    let packetId: number;
    let bytes: Uint8Array;
    try {
      packetId = this.ids.take();
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      bytes = encode(packetId);
    } catch (error) {
      this.ids.release(packetId);
      return Promise.reject(error);
    }
    const acknowledged = new Promise<T>((resolve, reject) => this.pending.set(packetId, entry(resolve, reject)));
    // A failed write fails the connection, which rejects the pending entry with closed.
    this.enqueue(bytes).catch(noop);
    return acknowledged;
  }

  /** Removes and returns the request waiting on `packetId`, which must be of the expected kind. */
  private takePending<K extends PendingAck['expects']>(packetId: number, expects: K): Extract<PendingAck, { expects: K }> {
    const entry = this.pending.get(packetId);
    if (entry?.expects !== expects) {
      throw protocolError(`${expects.toUpperCase()} for packet id ${packetId}, which nothing of that kind is waiting on`);
    }
    this.pending.delete(packetId);
    this.ids.release(packetId);
    return entry as Extract<PendingAck, { expects: K }>;
  }

  // ---- reading ---------------------------------------------------------------------------------

  private handshake(connectPacket: Uint8Array): Promise<void> {
    const accepted = new Promise<void>((resolve, reject) => (this.connackWaiter = { resolve, reject }));
    void this.readLoop();
    this.enqueue(connectPacket).catch(noop);
    return accepted;
  }

  private async readLoop(): Promise<void> {
    try {
      for (;;) {
        for (let raw = this.reader.next(); raw; raw = this.reader.next()) {
          await this.dispatch(decodePacket(raw));
          if (this.state === 'closed') return;
        }
        const bytes = await this.connection.read();
        if (this.state === 'closed') return;
        if (bytes === null) throw new FairwayError('closed', 'the broker closed the connection');
        this.reader.push(bytes);
      }
    } catch (error) {
      this.fail(asFairwayError(error));
    }
  }

  private async dispatch(packet: InboundPacket): Promise<void> {
    this.keepAlive.noteReceived();
    if (this.state === 'connecting') {
      // The first packet a server sends is CONNACK [MQTT-3.2.0-1].
      if (packet.type !== 'connack') throw protocolError(`${packet.type.toUpperCase()} before CONNACK`);
      return this.onConnack(packet);
    }
    switch (packet.type) {
      case 'connack':
        throw protocolError('a second CONNACK');
      case 'publish':
        return this.deliver(packet);
      case 'puback':
        return this.takePending(packet.packetId, 'puback').resolve();
      case 'suback':
        return this.onSuback(packet);
      case 'pingresp':
        return;
    }
  }

  private onConnack(packet: Connack): void {
    if (packet.returnCode !== 0) throw new MqttConnectRefused(packet.returnCode as ConnackRefusalCode);
    this.state = 'open';
    this.keepAlive.start();
    const waiter = this.connackWaiter;
    this.connackWaiter = undefined;
    waiter?.resolve();
  }

  private onSuback(packet: Suback): void {
    const waiting = this.pending.get(packet.packetId);
    if (waiting?.expects === 'suback') {
      // Checked before the entry is taken, so a protocol error still rejects it with closed.
      if (packet.returnCodes.length !== 1) throw protocolError(`SUBACK with ${packet.returnCodes.length} return codes for one filter`);
      const granted = packet.returnCodes[0] as number;
      if (granted !== SUBACK_FAILURE && granted > waiting.requestedQos) {
        throw protocolError(`SUBACK granted QoS ${granted}, more than the ${waiting.requestedQos} asked for`);
      }
    }
    const entry = this.takePending(packet.packetId, 'suback');
    const granted = packet.returnCodes[0] as number;
    if (granted === SUBACK_FAILURE) entry.reject(new MqttSubscribeRefused(entry.filter));
    else entry.resolve(granted);
  }

  private async deliver(message: InboundPublish): Promise<void> {
    const handler = this.messageHandler;
    if (handler) {
      try {
        await handler(message.topic, message.payload, message.qos);
      } catch {
        // The handler's failure is its own; the message was delivered and is acknowledged.
      }
    }
    if (message.qos === 1 && this.state === 'open') this.enqueue(encodePuback(message.packetId as number)).catch(noop);
  }

  // ---- writing and closing ---------------------------------------------------------------------

  /** The one way out to the link: in order, one write at a time. A failed write fails the connection. */
  private enqueue(bytes: Uint8Array): Promise<void> {
    this.keepAlive.noteSent();
    const written = this.writeTail.then(() => this.connection.write(bytes));
    this.writeTail = written.then(noop, (error: unknown) => this.fail(asFairwayError(error)));
    return written;
  }

  /** Ends the connection for `reason` without DISCONNECT, as the spec asks after an error (§4.8). */
  private fail(reason: FairwayError): void {
    if (this.finished) return;
    this.shutdown(reason);
    this.finished = this.connection
      .close()
      .catch(noop)
      .then(() => this.fireCloseHandlers());
  }

  /** Marks the client closed and rejects everything still waiting. */
  private shutdown(reason: FairwayError | null): void {
    this.state = 'closed';
    this.closeReason = reason;
    this.keepAlive.stop();
    const waiter = this.connackWaiter;
    this.connackWaiter = undefined;
    waiter?.reject(reason ?? this.closedError());
    const error = this.closedError();
    const waiting = [...this.pending.values()];
    this.pending.clear();
    this.ids.clear();
    for (const entry of waiting) entry.reject(error);
  }

  private fireCloseHandlers(): void {
    this.closeHandlersFired = true;
    const handlers = this.closeHandlers.splice(0);
    for (const handler of handlers) {
      try {
        handler(this.closeReason);
      } catch {
        // One handler's failure must not keep the others from hearing about the close.
      }
    }
  }

  private closedError(): FairwayError {
    const reason = this.closeReason;
    return new FairwayError('closed', reason ? `the connection closed (${reason.message})` : 'the client is closed');
  }

  /** `work`, or DISCONNECT_GRACE_MS, whichever ends first. */
  private withinGrace(work: Promise<void>): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = this.clock.setTimer(DISCONNECT_GRACE_MS, resolve);
      work.then(noop, noop).then(() => {
        timer.cancel();
        resolve();
      });
    });
  }
}

function resolveSettings(options: MqttConnectOptions): Settings {
  if (typeof options !== 'object' || options === null) throw new FairwayError('invalid-argument', 'options must be an object', 'options');
  const keepAliveSeconds = options.keepAliveSeconds ?? DEFAULT_KEEP_ALIVE_SECONDS;
  if (!Number.isInteger(keepAliveSeconds) || keepAliveSeconds < 1 || keepAliveSeconds > 65_535) {
    throw new FairwayError('invalid-argument', `keepAliveSeconds must be an integer in 1..65535 [FW-2.3], got ${keepAliveSeconds}`, 'keepAliveSeconds');
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (!Number.isFinite(connectTimeoutMs) || connectTimeoutMs <= 0) {
    throw new FairwayError('invalid-argument', `connectTimeoutMs must be a positive number, got ${connectTimeoutMs}`, 'connectTimeoutMs');
  }
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  checkMaxPacketBytes(maxPacketBytes);
  return { clientId: options.clientId, username: options.username, password: options.password, keepAliveSeconds, connectTimeoutMs, maxPacketBytes };
}

function protocolError(message: string): FairwayError {
  return new FairwayError('malformed', `the broker broke the MQTT protocol: ${message}`);
}

/** Links and decoders throw FairwayErrors; anything else is a port bug, reported as io. */
function asFairwayError(error: unknown): FairwayError {
  if (isFairwayError(error)) return error;
  return new FairwayError('io', error instanceof Error ? error.message : String(error));
}
