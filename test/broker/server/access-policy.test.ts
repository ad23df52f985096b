/** The isolation rules [FW-2.4] as pure functions, including the edges a broker test would not reach. */
import { describe, expect, it } from 'vitest';
import { decideSubscription, mayForward, publishRefusal } from '../../../broker/auth/access-policy.js';
import type { SessionIdentity } from '../../../broker/auth/session-identity.js';

const alice: SessionIdentity = { kind: 'device', deviceId: 'alice' };
const anonymous: SessionIdentity = { kind: 'anonymous', clientId: 'anonymous:x' };
const publish = (topic: string, qos = 1, retain = false) => ({ topic, qos, retain });

describe('publishRefusal', () => {
  it('allows exactly one non-empty level under the own up tree, QoS 0 or 1', () => {
    expect(publishRefusal(alice, publish('fairway/1/alice/up/login', 0))).toBeUndefined();
    expect(publishRefusal(alice, publish('fairway/1/alice/up/some.future.type', 1))).toBeUndefined();
  });

  it.each([
    'fairway/1/alice/up/',
    'fairway/1/alice/up',
    'fairway/1/alicex/up/login', // a device id that merely starts with the own id
    'fairway/1/alic/up/login',
    'fairway/2/alice/up/login',
    'fairway/1/alice/up/a/b',
    '/fairway/1/alice/up/login',
  ])('refuses %j', (topic) => {
    expect(publishRefusal(alice, publish(topic))).toMatch(/own up tree/);
  });

  it('refuses what is not a device, retained messages and QoS 2', () => {
    expect(publishRefusal(undefined, publish('fairway/1/alice/up/login'))).toBe('not authenticated');
    expect(publishRefusal(anonymous, publish('fairway/1/alice/up/login'))).toMatch(/anonymous/);
    expect(publishRefusal(alice, publish('fairway/1/alice/up/login', 1, true))).toMatch(/retained/);
    expect(publishRefusal(alice, publish('fairway/1/alice/up/login', 2))).toMatch(/QoS 2/);
    expect(publishRefusal(alice, publish('$SYS/x'))).toMatch(/reserved/);
  });
});

describe('decideSubscription', () => {
  it.each([
    ['fairway/1/alice/down/#', 1, { granted: 1 }],
    ['fairway/1/alice/down/+', 0, { granted: 0 }],
    ['fairway/1/alice/down/chunk', 2, { granted: 1 }],
  ] as const)('grants %s', (filter, qos, decision) => {
    expect(decideSubscription(alice, filter, qos)).toEqual(decision);
  });

  it.each(['fairway/1/alice/down', 'fairway/1/alice/down/', 'fairway/1/alice/#', 'fairway/1/alicex/down/#', 'fairway/1/alice/down/a/#', 'fairway/1/alice/down/ch+'])(
    'refuses %j',
    (filter) => {
      expect(decideSubscription(alice, filter, 1)).toHaveProperty('refused');
    },
  );

  it('grants nothing to anonymous or unauthenticated sessions', () => {
    expect(decideSubscription(anonymous, 'fairway/1/alice/down/#', 1)).toHaveProperty('refused');
    expect(decideSubscription(undefined, 'fairway/1/alice/down/#', 1)).toHaveProperty('refused');
  });
});

describe('mayForward', () => {
  it("forwards only the receiver's own down messages", () => {
    expect(mayForward(alice, 'fairway/1/alice/down/login.ok')).toBe(true);
    expect(mayForward(alice, 'fairway/1/bob/down/login.ok')).toBe(false);
    expect(mayForward(alice, 'fairway/1/alice/up/login')).toBe(false);
    expect(mayForward(anonymous, 'fairway/1/alice/down/login.ok')).toBe(false);
  });
});
