/**
 * Which side of the SysEmitter a topic or a subscription filter belongs to. Only the `$SYS/…`
 * traffic aedes listens to itself crosses Redis: that is what lets brokers see each other
 * (heartbeats, births) and take over a client id connected elsewhere
 * (`$SYS/<brokerId>/new/clients`). Everything else — every terminal's up requests, every chunk
 * down, and aedes' other announcements — stays on the node whose terminal it concerns, so a
 * node's store never sees another node's terminals and a connect costs Redis one PUBLISH.
 *
 * What aedes 1.2.0 itself subscribes to: `$SYS/+/heartbeat`, `$SYS/+/birth`,
 * `$SYS/+/new/clients` (aedes.js listen()); the store subscribes to `fairway/1/+/up/+`;
 * terminals to their own `fairway/1/<id>/down/…` filters. aedes publishes on `$SYS/<id>/…`:
 * heartbeat, birth, new/clients, disconnect/clients, new/subscribes, new/unsubscribes — the
 * last three for monitoring clients, which a store node does not admit to `$SYS` (and which
 * would see their own node's on the local side).
 */

export const SYS_PREFIX = '$SYS/';

/** Where a message on `topic` is emitted. */
export type TopicRoute = 'local' | 'redis' | 'both';

const HEARTBEAT = /^\$SYS\/[^/]+\/heartbeat$/;
/** What another broker's aedes listens for. */
const CROSS_NODE = /^\$SYS\/[^/]+\/(birth|new\/clients)$/;

export function routeTopic(topic: string): TopicRoute {
  // A broker's own heartbeat also goes round locally. aedes publishes the wills of clients
  // whose broker has sent no heartbeat for 3 intervals — its own included — so if heartbeats
  // only went through Redis, a Redis outage of a few minutes would fire the wills of clients
  // still connected here. Locally, a node always hears itself.
  if (HEARTBEAT.test(topic)) return 'both';
  return CROSS_NODE.test(topic) ? 'redis' : 'local';
}

/**
 * The filter to register on each side for a subscription to `filter` (a side is absent when
 * nothing emitted there could match). Each message is emitted on one side — except
 * heartbeats, on both — so a listener registered on both sides still hears each message once
 * (each heartbeat: once per side, which is harmless: it only refreshes a timestamp).
 */
export function routeFilter(filter: string): { local?: string; redis?: string } {
  // `$SYS/…` filters: Redis carries the other nodes' $SYS traffic, the local side this node's
  // heartbeats (see routeTopic).
  if (filter.startsWith(SYS_PREFIX)) return { local: filter, redis: filter };
  // A filter whose first level is a wildcard matches `$SYS/…` topics too as far as mqemitter
  // is concerned (MQTT's rule that `#` and `+` skip `$` topics is applied by aedes on client
  // subscriptions, not by the emitter). So it listens on both sides, on Redis narrowed to the
  // part it can match there: `#` → `$SYS/#`, `+/a/b` → `$SYS/a/b`.
  if (filter === '#') return { local: filter, redis: `${SYS_PREFIX}#` };
  if (filter.startsWith('+/')) return { local: filter, redis: `$SYS${filter.slice(1)}` };
  // `+` alone matches one-level topics only, and `$SYS/…` has at least two.
  return { local: filter };
}
