/**
 * Per-device topic isolation [FW-2.4] as pure functions of the session identity and the
 * topic, so the rules can be read in one place and tested without a broker.
 *
 *   publish:   fairway/1/<own id>/up/<one level>, retain 0, QoS 0 or 1
 *   subscribe: fairway/1/<own id>/down/#, /down/+ or /down/<one exact level>
 *   forward:   only topics in the receiver's own down tree
 *
 * Anonymous sessions may do none of these.
 */
import { parseTopic, TOPIC_ROOT } from '../../sdk/wire/topics.js';
import type { SessionIdentity } from './session-identity.js';

export interface PublishAttempt {
  topic: string;
  qos: number;
  retain: boolean;
}

const WILDCARD = /[#+]/;

/**
 * The up level of `topic` if it is in `deviceId`'s up tree with exactly one non-empty,
 * wildcard-free level after `up`, else undefined. The level is not required to name an up
 * message type: a terminal that sends an unknown level gets `error unknown-type` from the
 * store [FW-2.2.1], not a dropped connection.
 */
export function upLevelOf(deviceId: string, topic: string): string | undefined {
  const prefix = `${TOPIC_ROOT}/${deviceId}/up/`;
  if (!topic.startsWith(prefix)) return undefined;
  const level = topic.slice(prefix.length);
  return level.length > 0 && !level.includes('/') && !WILDCARD.test(level) ? level : undefined;
}

/** Why a PUBLISH (or a will) is refused, or undefined when it is allowed [FW-2.4.2, FW-2.4.3]. */
export function publishRefusal(identity: SessionIdentity | undefined, attempt: PublishAttempt): string | undefined {
  if (!identity) return 'not authenticated';
  if (identity.kind === 'anonymous') return 'anonymous clients may not publish';
  if (attempt.topic.startsWith('$')) return `reserved topic ${attempt.topic}`;
  if (attempt.retain) return 'retained messages are not allowed';
  if (attempt.qos > 1) return `QoS ${attempt.qos} is not allowed (0 or 1)`;
  if (upLevelOf(identity.deviceId, attempt.topic) === undefined) {
    return `topic ${attempt.topic} is not in the device's own up tree (${TOPIC_ROOT}/${identity.deviceId}/up/<type>)`;
  }
  return undefined;
}

export type SubscriptionDecision = { granted: 0 | 1 } | { refused: string };

/** Grants a filter inside the device's own down tree at QoS ≤ 1 [FW-2.4.1, FW-2.5]. */
export function decideSubscription(identity: SessionIdentity | undefined, filter: string, qos: number): SubscriptionDecision {
  if (!identity) return { refused: 'not authenticated' };
  if (identity.kind === 'anonymous') return { refused: 'anonymous clients may not subscribe' };
  const prefix = `${TOPIC_ROOT}/${identity.deviceId}/down/`;
  const rest = filter.startsWith(prefix) ? filter.slice(prefix.length) : undefined;
  const inside = rest !== undefined && (rest === '#' || rest === '+' || (rest.length > 0 && !rest.includes('/') && !WILDCARD.test(rest)));
  if (!inside) return { refused: `filter ${filter} is not inside the device's own down tree (${prefix}#)` };
  // Replies come down at QoS 1 at most [FW-2.5.2], so a QoS 2 request is stored as QoS 1.
  // (aedes still echoes the requested QoS in the SUBACK; nothing is ever delivered at 2,
  // because publish() only sends QoS 0 or 1.)
  return { granted: qos >= 1 ? 1 : 0 };
}

/**
 * Whether a message on `topic` may be written to this session: only the device's own down
 * messages. Subscriptions are already confined; this is the second lock on the same door,
 * so that no future change to subscribing can leak one terminal's replies to another.
 */
export function mayForward(identity: SessionIdentity | undefined, topic: string): boolean {
  if (identity?.kind !== 'device') return false;
  const parsed = parseTopic(topic);
  return parsed !== null && parsed.dir === 'down' && parsed.deviceId === identity.deviceId;
}
