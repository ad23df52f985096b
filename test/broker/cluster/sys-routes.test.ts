/**
 * Which side of the SysEmitter topics and filters go to: the $SYS topics aedes listens to over
 * Redis (heartbeats also locally), everything else local, and wildcard-first filters on both sides, narrowed on Redis.
 */
import { describe, expect, it } from 'vitest';
import { routeFilter, routeTopic } from '../../../broker/cluster/sys-routes.js';

describe('routeTopic', () => {
  it.each([
    ['fairway/1/alice/up/login', 'local'],
    ['fairway/1/alice/down/chunk', 'local'],
    ['$SYS', 'local'], // not under $SYS/
    ['$SYSX/a', 'local'],
    ['$SYS/node-a/new/clients', 'redis'],
    ['$SYS/node-a/birth', 'redis'],
    // aedes' announcements no other broker listens to stay on their node.
    ['$SYS/node-a/new/subscribes', 'local'],
    ['$SYS/node-a/new/unsubscribes', 'local'],
    ['$SYS/node-a/disconnect/clients', 'local'],
    ['$SYS/node-a/new/clients/extra', 'local'],
    ['$SYS/node-a/heartbeat', 'both'],
  ])('%s → %s', (topic, route) => {
    expect(routeTopic(topic)).toBe(route);
  });
});

describe('routeFilter', () => {
  it.each([
    ['fairway/1/+/up/+', { local: 'fairway/1/+/up/+' }],
    ['fairway/1/alice/down/#', { local: 'fairway/1/alice/down/#' }],
    ['+', { local: '+' }],
    ['$SYS/+/new/clients', { local: '$SYS/+/new/clients', redis: '$SYS/+/new/clients' }],
    ['$SYS/+/heartbeat', { local: '$SYS/+/heartbeat', redis: '$SYS/+/heartbeat' }],
    ['#', { local: '#', redis: '$SYS/#' }],
    ['+/+/new/clients', { local: '+/+/new/clients', redis: '$SYS/+/new/clients' }],
    ['+/#', { local: '+/#', redis: '$SYS/#' }],
  ])('%s → %j', (filter, route) => {
    expect(routeFilter(filter)).toEqual(route);
  });
});
