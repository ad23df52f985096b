/**
 * Plugs authentication [FW-2.3] and isolation [FW-2.4] into aedes's hooks, and logs every
 * refusal with its reason. The decisions themselves live in ConnectAuthenticator and
 * access-policy; this file only adapts them to aedes's callback shapes and quirks.
 */
import { randomUUID } from 'node:crypto';
import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Logger } from 'pino';
import { decideSubscription, mayForward, publishRefusal } from './access-policy.js';
import type { ConnectAuthenticator } from './connect-authenticator.js';
import { ConnectRefusal, CONNACK } from './connect-refusal.js';
import { ANONYMOUS_ID_PREFIX, describeIdentity, type SessionIdentity } from './session-identity.js';
import { LogThrottle } from '../log-throttle.js';

export type AccessHooks = Required<
  Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>
>;

export interface AccessHooksDeps {
  authenticator: ConnectAuthenticator;
  /** Where each authenticated client's identity is kept; read by the rest of the broker too. */
  identities: WeakMap<Client, SessionIdentity>;
  logger: Logger;
  /** Transport and peer address of a client's connection, for the log. */
  peerOf: (client: Client) => string;
  /** Largest Keep Alive a CONNECT may ask for, seconds. */
  maxKeepAliveSeconds: number;
  /**
   * CONNECTs being authenticated at once. Under a connect storm the rest are answered CONNACK
   * 3 at once, so each terminal hears within a bounded time and its jittered back-off spreads
   * the crowd, instead of queueing into timeouts [issue 12 §2].
   */
  maxPendingConnects: number;
}

/** MQTT 3.1.1 is protocol level 4; aedes also admits 3 (MQTT 3.1), which Fairway does not [FW-2.3]. */
const PROTOCOL_LEVEL = 4;

export function createAccessHooks({ authenticator, identities, logger, peerOf, maxKeepAliveSeconds, maxPendingConnects }: AccessHooksDeps): AccessHooks {
  let pendingConnects = 0;
  /** Refusals for a full admission queue are logged once a second, with how many there were. */
  const admissionRefusals = new LogThrottle(() => performance.now());
  /**
   * The client id as the CONNECT carried it. aedes replaces an empty one with `aedes_<uuid>`,
   * which happens to be a well-formed device id; the protocol wants an empty id refused (2).
   */
  const clientIdSent = new WeakMap<Client, string>();
  return {
    preConnect(client, packet, callback) {
      if (packet.protocolVersion !== PROTOCOL_LEVEL) {
        const reason = `protocol level ${packet.protocolVersion} is not ${PROTOCOL_LEVEL}`;
        logger.warn({ peer: peerOf(client), clientId: packet.clientId, code: CONNACK.unacceptableProtocol, reason }, 'connect refused');
        // aedes answers CONNACK 1 itself, but only for levels outside 3–4 and only right after
        // this hook; an authenticate error cannot carry code 1. So mark level 3 as unacceptable.
        if (packet.protocolVersion === 3) packet.protocolVersion = 0 as typeof packet.protocolVersion;
      }
      const keepAlive = packet.keepalive ?? 0;
      if (keepAlive === 0 || keepAlive > maxKeepAliveSeconds) {
        // A connection that is never (or hardly ever) timed out holds its memory for ever once
        // its peer is gone. MQTT 3.1.1 has no CONNACK code for it: the connection is closed.
        const reason = `keep alive ${keepAlive} s is outside 1–${maxKeepAliveSeconds} s [FW-2.3]`;
        logger.warn({ peer: peerOf(client), clientId: packet.clientId, reason }, 'connect refused');
        callback(new Error(reason), false);
        return;
      }
      const anonymous = packet.username === undefined && packet.password === undefined;
      if (anonymous) packet.clientId = ANONYMOUS_ID_PREFIX + (packet.clientId || randomUUID());
      clientIdSent.set(client, packet.clientId);
      if (packet.will) {
        // A will is authorised like a publish [FW-2.4.3]. Checked here too, not only when aedes
        // sends it, so a will that could never be sent is not kept and the refusal is logged
        // against the CONNECT that carried it. The connection itself is not refused.
        const wouldBe: SessionIdentity = anonymous ? { kind: 'anonymous', clientId: packet.clientId } : { kind: 'device', deviceId: packet.clientId };
        const reason = publishRefusal(wouldBe, { topic: packet.will.topic, qos: packet.will.qos ?? 0, retain: packet.will.retain ?? false });
        if (reason) {
          logger.warn({ peer: peerOf(client), clientId: packet.clientId, topic: packet.will.topic, reason }, 'will discarded');
          delete packet.will;
        }
      }
      callback(null, true);
    },

    authenticate(client, username, password, done) {
      if (pendingConnects >= maxPendingConnects) {
        admissionRefusals.event((heldBack) =>
          logger.warn({ pending: pendingConnects, refused: heldBack + 1, code: CONNACK.serverUnavailable }, 'connect refused: admission queue full (connect storm)'),
        );
        done(new ConnectRefusal(CONNACK.serverUnavailable, `${pendingConnects} connects are being admitted: come back after your back-off`) as AuthenticateError, false);
        return;
      }
      pendingConnects++;
      const settled = (): void => {
        pendingConnects--;
      };
      authenticator.authenticate({ clientId: clientIdSent.get(client) ?? client.id, username, password, cleanSession: client.clean }).then(
        (identity) => {
          settled();
          identities.set(client, identity);
          logger.info({ peer: peerOf(client), clientId: client.id, kind: identity.kind }, 'connect accepted');
          done(null, true);
        },
        (error: unknown) => {
          settled();
          const refusal = error instanceof ConnectRefusal ? error : new ConnectRefusal(CONNACK.serverUnavailable, `authentication failed: ${String(error)}`);
          const log = refusal.returnCode === CONNACK.serverUnavailable ? logger.error.bind(logger) : logger.warn.bind(logger);
          log({ peer: peerOf(client), clientId: client.id, code: refusal.returnCode, reason: refusal.reason }, 'connect refused');
          done(refusal as AuthenticateError, false);
        },
      );
    },

    authorizePublish(client, packet, callback) {
      const identity = client ? identities.get(client) : undefined;
      const reason = publishRefusal(identity, packet);
      if (!reason) return callback(null);
      // MQTT 3.1.1 has no negative PUBACK: the error makes aedes close the connection
      // [FW-2.4.2]. For a will, it means the will is not sent.
      const { topic, qos, retain } = packet;
      logger.warn({ peer: client ? peerOf(client) : undefined, who: describeIdentity(identity), topic, qos, retain, reason }, 'publish refused');
      callback(new Error(reason));
    },

    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      const decision = decideSubscription(identity, subscription.topic, subscription.qos);
      if ('refused' in decision) {
        logger.warn({ peer: peerOf(client), who: describeIdentity(identity), filter: subscription.topic, reason: decision.refused }, 'subscribe refused');
        // A null subscription is answered with SUBACK return code 0x80 and the connection
        // stays up [FW-2.4.1]; an error would close it.
        return callback(null, null);
      }
      logger.info({ peer: peerOf(client), who: describeIdentity(identity), filter: subscription.topic, qos: decision.granted }, 'subscribe granted');
      callback(null, { ...subscription, qos: decision.granted });
    },

    authorizeForward(client, packet) {
      const identity = identities.get(client);
      if (mayForward(identity, packet.topic)) return packet;
      const reason = "not in the receiver's own down tree";
      logger.warn({ peer: peerOf(client), who: describeIdentity(identity), topic: packet.topic, reason }, 'forward refused');
      return null;
    },
  };
}
