/**
 * The Fairway broker: aedes (MQTT 3.1.1) with terminal authentication [FW-2.3], per-device
 * isolation [FW-2.4] and a packet size guard [FW-3.3] in front, and the store attached
 * in-process — it receives every terminal's up messages through `onMessage` and answers
 * through `publish`, the one way anything reaches a terminal's down tree.
 *
 * Chunks (QoS 0, nearly all the bytes) skip aedes' routing and go straight to the terminal's
 * own connection (transport/direct-delivery.ts); everything else goes through aedes.
 *
 * aedes traps this file works around (each is explained where it is handled):
 * - no packet size limit: every connection is wrapped in a SizeGuardedStream;
 * - one frozen subscriber stalls delivery to all for `drainTimeout` (60 s by default): the
 *   broker sets 2 s, and chunks, which would fill a frozen socket, do not use aedes' delivery;
 * - QoS 1 PUBACK goes out before the store sees the message, and QoS 1 may duplicate: the
 *   store must treat up messages as at-most-once and idempotent (reply cache, [FW-3.6]);
 * - it speaks MQTT 3.1.1 but also admits 3.1, and forwards whatever subscriptions allow.
 */
import type { Duplex } from 'node:stream';
import { Aedes, type AedesPublishPacket, type Client } from 'aedes';
import type { MQEmitter } from 'mqemitter';
import { pino, type Logger } from 'pino';
import { NodeCrypto } from '../device/ports/node/crypto.js';
import { FairwayError } from '../sdk/errors.js';
import type { Crypto } from '../sdk/hal/crypto.js';
import { MESSAGES, type DownType, type UpType } from '../sdk/wire/messages.js';
import { downPrefix, parseTopic, topicFor, UP_FILTER } from '../sdk/wire/topics.js';
import { createAccessHooks } from './auth/aedes-hooks.js';
import { LocalNonces } from './cluster/local-state.js';
import { ConnectAuthenticator } from './auth/connect-authenticator.js';
import type { DeviceDirectory } from './auth/device-directory.js';
import type { SessionIdentity } from './auth/session-identity.js';
import { listenMqttSocket, listenMqttWebSocket, type AcceptedConnection, type Listener, type TlsFiles } from './transport/listeners.js';
import { ConnectionCaps, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_SOURCE, sourceOf } from './transport/connection-caps.js';
import { SizeGuardedStream } from './transport/size-guarded-stream.js';
import { writeDirect } from './transport/direct-delivery.js';
import { LogThrottle } from './log-throttle.js';

export type { DeviceDirectory } from './auth/device-directory.js';

/** How an up message arrived. `dup` is MQTT's redelivery flag: duplicates do happen. */
export interface UpMessageInfo {
  qos: 0 | 1;
  dup: boolean;
}

export interface BrokerOptions {
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** MQTT (or MQTT over TLS, with `tls`) port; 0 picks a free one. Default 0. */
  tcpPort?: number;
  /** PEM certificate and key: the TCP port then speaks MQTT over TLS only [FW-1.5]. */
  tls?: TlsFiles;
  /** When set, MQTT over WebSocket on this second port (0 picks a free one). */
  wsPort?: number;
  /** Largest MQTT remaining length accepted; default 1 MiB + 1 KiB (a 1 MiB body [FW-3.3] plus topic and id). */
  maxPacketBytes?: number;
  /** How long a client may leave its socket full before it is dropped; default 2000 ms. */
  drainTimeoutMs?: number;
  /** Credential time window [FW-2.3.2]; default 300 000, range 10 000–3 600 000. */
  credentialWindowMs?: number;
  /**
   * Where credential nonces are remembered [FW-2.3.2]: a cluster passes its Redis-backed
   * claim so a credential is accepted once on all nodes. Default: this process's memory.
   */
  claimNonce?: (nonce: Uint8Array, forgetAtMs: number, nowMs: number) => Promise<boolean>;
  /** Admit clients without credentials (they can publish and subscribe to nothing). Default false. */
  allowAnonymous?: boolean;
  /** Connections held at once, in all and per source address (anonymous ones included); defaults in connection-caps.ts. */
  maxConnections?: number;
  maxConnectionsPerSource?: number;
  /** Largest CONNECT Keep Alive accepted, seconds; default 1,200. 0 is always refused [FW-2.3]. */
  maxKeepAliveSeconds?: number;
  /** CONNECTs authenticated at once; more are answered CONNACK 3 at once. Default 512. */
  maxPendingConnects?: number;
  /**
   * aedes' message bus. Default: aedes' own, in this process. Cluster mode passes a
   * SysEmitter (broker/cluster/sys-emitter.ts), which shares only aedes' $SYS traffic through
   * Redis. aedes closes it when the broker closes.
   */
  mq?: MQEmitter;
  /** aedes' broker id, stamped on every packet this broker publishes; default aedes' own (a random UUID). */
  brokerId?: string;
  directory: DeviceDirectory;
  clock?: { wallMs(): number };
  logger?: Logger;
  crypto?: Crypto;
  /** An up message whose topic names an up type [FW-2.2]. Errors and rejections are logged. */
  onMessage(deviceId: string, type: UpType, payload: Uint8Array, info: UpMessageInfo): void | Promise<void>;
  /**
   * A message a device was allowed to publish (its own up tree) whose last level names no up
   * type: the store answers `error unknown-type` or `bad-request` [FW-2.2.1]. Unset: dropped.
   */
  onUnroutable?(deviceId: string, level: string, payload: Uint8Array, info: UpMessageInfo): void | Promise<void>;
  /** A device's new connection was accepted (CONNACK 0 follows). Any earlier connection's login is gone. */
  onConnect?(deviceId: string): void;
  /**
   * The device's current connection ended. On a takeover [FW-2.3.4] the old connection's
   * onDisconnect comes before the new one's onConnect.
   */
  onDisconnect?(deviceId: string): void;
}

export interface Broker {
  ports: { tcp: number; ws?: number };
  /**
   * Sends `payload` to fairway/1/<deviceId>/down/<type>, never retained. Resolves once handed
   * to the subscriber's socket — up to drainTimeoutMs for a terminal that stopped reading, which
   * is then cut — or at once when the device is not connected (nothing is queued: clean
   * sessions only). QoS 0 is written straight to the device's connection on this node.
   */
  publish(deviceId: string, type: DownType, payload: Uint8Array, qos: 0 | 1): Promise<void>;
  /** Terminals (not anonymous clients) connected now. */
  connectedCount(): number;
  /**
   * Serves one MQTT connection over an in-process byte stream (the simulator's radio links,
   * benchmarks): the same size guard, authentication and isolation as a TCP client.
   */
  acceptStream(stream: Duplex, peer: string): void;
  /**
   * Draining [issue 11 §4]: refuses new connections on every port (and acceptStream) while
   * connected terminals keep being served, so a balancer sends newcomers elsewhere.
   */
  stopAccepting(): void;
  /**
   * Closes up to `n` terminal connections (oldest first) and returns how many; a draining node
   * calls it in batches so terminals reconnect to other nodes without a storm.
   */
  disconnectSome(n: number): number;
  close(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  tcpPort: 0,
  maxPacketBytes: 1024 * 1024 + 1024,
  drainTimeoutMs: 2000,
  credentialWindowMs: 300_000,
};
/** The longest MQTT fixed header: one type byte and a 4-byte remaining length. */
const MAX_FIXED_HEADER_BYTES = 5;

function requireRange(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FairwayError('invalid-argument', `${name} must be an integer in ${min}–${max}, got ${value}`);
  }
  return value;
}

function asBytes(payload: Buffer | string): Uint8Array {
  const buffer = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  // A plain Uint8Array view: the store should not come to depend on Buffer's methods.
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export async function createBroker(options: BrokerOptions): Promise<Broker> {
  const host = options.host ?? DEFAULTS.host;
  const maxPacketBytes = requireRange('maxPacketBytes', options.maxPacketBytes ?? DEFAULTS.maxPacketBytes, 4096, 268_435_455);
  const drainTimeoutMs = requireRange('drainTimeoutMs', options.drainTimeoutMs ?? DEFAULTS.drainTimeoutMs, 1, 600_000);
  const credentialWindowMs = requireRange('credentialWindowMs', options.credentialWindowMs ?? DEFAULTS.credentialWindowMs, 10_000, 3_600_000);
  const allowAnonymous = options.allowAnonymous ?? false;
  // aedes puts the id in a topic level ($SYS/<id>/new/clients) and reads it back by splitting on '/'.
  if (options.brokerId !== undefined && !/^[^/+#\s]+$/.test(options.brokerId)) {
    throw new FairwayError('invalid-argument', `brokerId must be one topic level without wildcards or spaces, got ${JSON.stringify(options.brokerId)}`);
  }
  const logger = options.logger ?? pino({ name: 'fairway-broker', level: process.env['FAIRWAY_LOG_LEVEL'] ?? 'info' });
  const clock = options.clock;
  const wallMs = clock ? () => clock.wallMs() : () => Date.now();

  if (allowAnonymous) {
    logger.warn(
      '!!! allowAnonymous is ON: clients without credentials may connect. They can publish and subscribe to nothing, ' +
        'but they hold connections and cost resources. Never enable this on a broker terminals reach. !!!',
    );
  }

  const identities = new WeakMap<Client, SessionIdentity>();
  const peers = new WeakMap<object, string>();
  const peerOf = (client: Client): string => peers.get(client.conn) ?? 'unknown peer';
  const caps = new ConnectionCaps({
    maxConnections: requireRange('maxConnections', options.maxConnections ?? DEFAULT_MAX_CONNECTIONS, 1, 10_000_000),
    maxConnectionsPerSource: requireRange('maxConnectionsPerSource', options.maxConnectionsPerSource ?? DEFAULT_MAX_CONNECTIONS_PER_SOURCE, 1, 10_000_000),
  });
  const maxKeepAliveSeconds = requireRange('maxKeepAliveSeconds', options.maxKeepAliveSeconds ?? 1_200, 1, 65_535);
  const maxPendingConnects = requireRange('maxPendingConnects', options.maxPendingConnects ?? 512, 1, 1_000_000);
  const authenticator = new ConnectAuthenticator({
    directory: options.directory,
    crypto: options.crypto ?? new NodeCrypto(),
    wallMs,
    credentialWindowMs,
    allowAnonymous,
    claimNonce: options.claimNonce ?? new LocalNonces().claim,
  });

  const aedes = await Aedes.createBroker({
    ...createAccessHooks({ authenticator, identities, logger, peerOf, maxKeepAliveSeconds, maxPendingConnects }),
    // aedes waits this long for a client whose socket is full before dropping it, and while it
    // waits, delivery to every other client can stall behind it (its emitter has a bounded
    // number of messages in flight). 60 s by default; a terminal that reads nothing for 2 s is gone anyway.
    drainTimeout: drainTimeoutMs,
    ...(options.mq ? { mq: options.mq } : {}),
    ...(options.brokerId !== undefined ? { id: options.brokerId } : {}),
  });

  // ---- sessions: which connection is each device's current one ---------------------------
  const sessions = new Map<string, Client>();
  // 'client' (registration, just before CONNACK 0), not 'clientReady': aedes handles packets
  // that arrive right behind the CONNACK before it emits 'clientReady', so a client that
  // publishes and disconnects at once (mosquitto_pub) is gone before it is "ready". 'client'
  // and 'clientDisconnect' are the pair aedes's own registry keeps.
  aedes.on('client', (client) => {
    const identity = identities.get(client);
    if (identity?.kind !== 'device') return;
    sessions.set(identity.deviceId, client);
    options.onConnect?.(identity.deviceId);
  });
  aedes.on('clientDisconnect', (client) => {
    const identity = identities.get(client);
    if (identity?.kind !== 'device' || sessions.get(identity.deviceId) !== client) return;
    sessions.delete(identity.deviceId);
    logger.info({ peer: peerOf(client), deviceId: identity.deviceId }, 'device disconnected');
    options.onDisconnect?.(identity.deviceId);
  });
  aedes.on('clientError', (client, error) => {
    // A drain timeout is the frozen-subscriber case: worth a warning, the rest is routine.
    const level = error.message === 'drain timeout' ? 'warn' : 'info';
    logger[level]({ peer: peerOf(client), clientId: client.id, reason: error.message }, 'connection closed on error');
  });
  aedes.on('connectionError', (client, error) => logger.info({ peer: peerOf(client), reason: error.message }, 'connection closed before CONNECT completed'));
  aedes.on('keepaliveTimeout', (client) => logger.info({ peer: peerOf(client), clientId: client.id }, 'keep-alive timeout'));

  // ---- store side: every terminal's up tree -----------------------------------------------
  let closing = false;
  let accepting = true;
  const runHandler = (what: string, deviceId: string, handler: () => void | Promise<void>): void => {
    Promise.resolve()
      .then(handler)
      .catch((error: unknown) => logger.error({ deviceId, err: error }, `${what} handler failed`));
  };
  const deliverUp = (packet: AedesPublishPacket, done: () => void): void => {
    // Release aedes at once instead of after the handler: its emitter lets a bounded number of
    // messages be in flight, so a slow store would stall all traffic, and a handler that awaits
    // publish() would deadlock. The store queues and limits its own work.
    done();
    if (closing) return;
    // aedes stamps the id of the broker a packet was published on. In cluster mode up messages
    // stay on the node their terminal is connected to (the SysEmitter keeps them local); one
    // from another node means a shared bus, and the store here must not answer it a second time.
    if (packet.brokerId !== aedes.id) {
      logger.error({ topic: packet.topic, brokerId: packet.brokerId, ownBrokerId: aedes.id }, 'up message from another broker: dropped');
      return;
    }
    const deviceId = packet.topic.split('/')[2] ?? '';
    // aedes stamps the publishing client's id on the packet (its types do not declare it).
    const publisherId = (packet as AedesPublishPacket & { clientId?: string }).clientId;
    if (publisherId !== deviceId) {
      // authorizePublish lets a client publish only in its own up tree; anything else here
      // came from inside the process, and the store must not mistake it for the device.
      logger.error({ topic: packet.topic, publisherId }, 'up message not published by its device: dropped');
      return;
    }
    const info: UpMessageInfo = { qos: packet.qos === 0 ? 0 : 1, dup: packet.dup };
    const payload = asBytes(packet.payload);
    const parsed = parseTopic(packet.topic);
    if (parsed && parsed.dir === 'up') {
      runHandler('onMessage', deviceId, () => options.onMessage(deviceId, parsed.type as UpType, payload, info));
      return;
    }
    const level = packet.topic.slice(packet.topic.lastIndexOf('/') + 1);
    const onUnroutable = options.onUnroutable;
    if (onUnroutable) runHandler('onUnroutable', deviceId, () => onUnroutable(deviceId, level, payload, info));
    else logger.warn({ deviceId, level }, 'up message names no up type: dropped (no onUnroutable handler)');
  };
  await new Promise<void>((resolve) => aedes.subscribe(UP_FILTER, deliverUp, resolve));

  // ---- ports --------------------------------------------------------------------------------
  const capRefusals = new LogThrottle(wallMs);
  const accept = ({ stream, transport, peer, request }: AcceptedConnection): void => {
    const admission = caps.admit(sourceOf(peer));
    if (!admission.admitted) {
      capRefusals.event((heldBack) => logger.warn({ peer: `${transport} ${peer}`, reason: admission.reason, alsoRefusedSinceLastLine: heldBack }, 'connection refused: over a connection cap'));
      stream.destroy();
      return;
    }
    stream.once('close', admission.release);
    const guarded = new SizeGuardedStream(stream, maxPacketBytes, ({ kind, packetType, remainingLength, reason }) =>
      logger.warn({ peer: `${transport} ${peer}`, packetType, remainingLength, reason }, kind === 'size' ? 'connection cut: packet too large' : 'connection cut: malformed packet'),
    );
    peers.set(guarded, `${transport} ${peer}`);
    aedes.handle(guarded, request);
  };
  const listeners: Listener[] = [];
  try {
    listeners.push(await listenMqttSocket({ host, port: options.tcpPort ?? DEFAULTS.tcpPort, tls: options.tls }, accept));
    if (options.wsPort !== undefined) {
      const onWsError = (error: Error): void => logger.warn({ reason: error.message }, 'websocket error');
      listeners.push(await listenMqttWebSocket({ host, port: options.wsPort, maxMessageBytes: maxPacketBytes + MAX_FIXED_HEADER_BYTES }, accept, onWsError));
    }
  } catch (error) {
    await Promise.all(listeners.map((l) => l.close()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    throw error;
  }
  const [tcpListener, wsListener] = listeners as [Listener, Listener | undefined];
  logger.info({ host, tcp: tcpListener.port, tls: !!options.tls, ws: wsListener?.port, maxPacketBytes, drainTimeoutMs }, 'broker listening');

  return {
    ports: wsListener ? { tcp: tcpListener.port, ws: wsListener.port } : { tcp: tcpListener.port },

    async publish(deviceId, type, payload, qos) {
      if (closing) throw new FairwayError('closed', 'broker is closed');
      if (MESSAGES[type]?.dir !== 'down') throw new FairwayError('invalid-argument', `${type} is not a down message type`);
      if (qos !== 0 && qos !== 1) throw new FairwayError('invalid-argument', `QoS must be 0 or 1, got ${String(qos)}`);
      const topic = topicFor(deviceId, type);
      // Same cap as inbound: a terminal would have to refuse anything larger anyway [FW-3.3].
      if (payload.byteLength + topic.length + 4 > maxPacketBytes) {
        throw new FairwayError('too-large', `${payload.byteLength} bytes on ${topic} exceed the packet cap of ${maxPacketBytes}`);
      }
      const body = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
      if (qos === 0) {
        // Chunks: straight to the terminal's own connection (direct-delivery.ts says why);
        // not connected here, nothing is sent — as aedes would, with clean sessions only.
        const client = sessions.get(deviceId);
        if (client) await writeDirect(client, downPrefix(deviceId), topic, body);
        return;
      }
      await new Promise<void>((resolve, reject) =>
        aedes.publish({ cmd: 'publish', topic, payload: body, qos, retain: false, dup: false }, (error) => (error ? reject(error) : resolve())),
      );
    },

    connectedCount: () => sessions.size,

    acceptStream(stream, peer) {
      if (closing || !accepting) {
        stream.destroy();
        return;
      }
      accept({ stream, transport: 'memory', peer });
    },

    stopAccepting() {
      accepting = false;
      for (const listener of listeners) listener.stopAccepting();
    },

    disconnectSome(n) {
      // A Map iterates in insertion order: the longest-connected terminals go first.
      const chosen: Client[] = [];
      for (const client of sessions.values()) {
        if (chosen.length >= n) break;
        // Closed but not yet reported gone (clientDisconnect comes a moment later): skip it.
        if (!client.closed) chosen.push(client);
      }
      for (const client of chosen) client.close();
      return chosen.length;
    },

    async close() {
      if (closing) return;
      closing = true;
      await Promise.all(listeners.map((l) => l.close()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      logger.info('broker closed');
    },
  };
}
