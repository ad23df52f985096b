/**
 * MQTT 3.1.1 topic names and topic filters (§4.7). Checked before anything is sent, because a
 * broker answers a bad topic by closing the connection, which tells the caller far less.
 */
import { FairwayError } from '../errors.js';

/** A topic name to publish to: at least one character, no wildcards [MQTT-4.7.3-1, MQTT-3.3.2-2]. */
export function checkTopicName(topic: string, what = 'topic'): void {
  if (typeof topic !== 'string' || topic.length === 0) {
    throw new FairwayError('invalid-argument', `${what} must be a non-empty string`, what);
  }
  if (topic.includes('+') || topic.includes('#')) {
    throw new FairwayError('invalid-argument', `${what} "${topic}" contains a wildcard; only subscriptions may`, what);
  }
}

/**
 * A topic filter to subscribe to: at least one character; `+` fills a whole level; `#` fills
 * the whole last level [MQTT-4.7.1-2, MQTT-4.7.1-3, MQTT-4.7.3-1].
 */
export function checkTopicFilter(filter: string, what = 'filter'): void {
  if (typeof filter !== 'string' || filter.length === 0) {
    throw new FairwayError('invalid-argument', `${what} must be a non-empty string`, what);
  }
  const levels = filter.split('/');
  levels.forEach((level, index) => {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      throw new FairwayError('invalid-argument', `${what} "${filter}": '#' must be the whole last level`, what);
    }
    if (level.includes('+') && level !== '+') {
      throw new FairwayError('invalid-argument', `${what} "${filter}": '+' must be a whole level`, what);
    }
  });
}

/** A decoded topic name from the broker must be one we could have subscribed to receive. */
export function isValidTopicName(topic: string): boolean {
  return topic.length > 0 && !topic.includes('+') && !topic.includes('#');
}
