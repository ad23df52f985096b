/**
 * The topic tree [FW-2.2]:
 *
 *   fairway/1/<deviceId>/up/<type>     terminal → store, published by the terminal only
 *   fairway/1/<deviceId>/down/<type>   store → terminal, subscribed to by the terminal only
 *
 * MQTT 3.1.1 has no response topics: a reply goes to the requester's own down tree, and the
 * body's `rid` pairs it with the request [FW-3.6].
 */
import { FairwayError } from '../errors.js';
import { id as idSchema } from './fields.js';
import { isMessageType, MESSAGES, type Direction, type MessageType } from './messages.js';

export const TOPIC_ROOT = 'fairway/1';

export function isValidDeviceId(deviceId: string): boolean {
  return idSchema.safeParse(deviceId).success;
}

function requireDeviceId(deviceId: string): void {
  if (!isValidDeviceId(deviceId)) {
    throw new FairwayError('out-of-range', 'a device id is 1–64 of [A-Za-z0-9_-]', 'deviceId');
  }
}

export function topicFor(deviceId: string, type: MessageType): string {
  requireDeviceId(deviceId);
  return `${TOPIC_ROOT}/${deviceId}/${MESSAGES[type].dir}/${type}`;
}

/** The start of every topic in a terminal's down tree: `fairway/1/<deviceId>/down/`. */
export function downPrefix(deviceId: string): string {
  requireDeviceId(deviceId);
  return `${TOPIC_ROOT}/${deviceId}/down/`;
}

/** What a terminal subscribes to: its own down tree and nothing else [FW-2.4]. */
export function downFilter(deviceId: string): string {
  return `${downPrefix(deviceId)}#`;
}

/** The store's subscription to every terminal's up tree. */
export const UP_FILTER = `${TOPIC_ROOT}/+/up/+`;

export interface ParsedTopic {
  deviceId: string;
  dir: Direction;
  type: MessageType;
}

/** null for anything that is not exactly a protocol topic whose type travels that way. */
export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT) return null;
  const [, , deviceId, dir, type] = parts as [string, string, string, string, string];
  if (!isValidDeviceId(deviceId) || (dir !== 'up' && dir !== 'down') || !isMessageType(type)) return null;
  if (MESSAGES[type].dir !== dir) return null;
  return { deviceId, dir, type };
}
