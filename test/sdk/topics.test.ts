import { describe, expect, it } from 'vitest';
import { downFilter, parseTopic, topicFor, UP_FILTER } from '../../sdk/wire/index.js';
import { expectKindSync } from '../support/expect-fairway.js';

describe('topic tree', () => {
  it('puts a terminal’s requests under its own up tree and replies under its own down tree', () => {
    expect(topicFor('hh-1', 'offer.get')).toBe('fairway/1/hh-1/up/offer.get');
    expect(topicFor('hh-1', 'offer')).toBe('fairway/1/hh-1/down/offer');
    expect(downFilter('hh-1')).toBe('fairway/1/hh-1/down/#');
    expect(UP_FILTER).toBe('fairway/1/+/up/+');
  });

  it('refuses device ids that would escape their subtree', () => {
    for (const bad of ['a/b', 'a+', '#', '', 'x'.repeat(65)]) expectKindSync(() => topicFor(bad, 'login'), 'out-of-range');
  });

  it('parses only exact protocol topics whose type travels that way', () => {
    expect(parseTopic('fairway/1/hh-1/up/receipt')).toEqual({ deviceId: 'hh-1', dir: 'up', type: 'receipt' });
    expect(parseTopic('fairway/1/hh-1/down/receipt')).toBeNull();
    expect(parseTopic('fairway/2/hh-1/up/receipt')).toBeNull();
    expect(parseTopic('fairway/1/hh-1/up/receipt/extra')).toBeNull();
    expect(parseTopic('fairway/1/hh-1/up/bogus')).toBeNull();
    expect(parseTopic('$SYS/broker/uptime')).toBeNull();
  });
});
