/**
 * Who is on the other end of an MQTT connection, once it has been authenticated. Access
 * control [FW-2.4] decides from this alone, never from anything the client says later.
 */
export type SessionIdentity =
  /** A terminal whose credential verified: its client id is its device id. */
  | { kind: 'device'; deviceId: string }
  /** A client without credentials, admitted only when `allowAnonymous` is on: may do nothing. */
  | { kind: 'anonymous'; clientId: string };

/**
 * Anonymous clients get their client id put in a namespace no device id can be in (`:` is
 * not an id character [FW-2.1]). Without it an anonymous client could connect as `hh-0001`
 * and, by MQTT's takeover rule, throw the real terminal off.
 */
export const ANONYMOUS_ID_PREFIX = 'anonymous:';

export function describeIdentity(identity: SessionIdentity | undefined): string {
  if (!identity) return 'unauthenticated client';
  return identity.kind === 'device' ? `device ${identity.deviceId}` : `anonymous client ${identity.clientId}`;
}
