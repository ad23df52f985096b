/**
 * The MQTT 3.1.1 CONNACK return codes the broker uses [FW-2.3.3], and the error that carries
 * one out of the authenticator. aedes reads `returnCode` off the error it is handed.
 */
export const CONNACK = {
  accepted: 0,
  /** Protocol level is not 4 (aedes answers this itself; see the preConnect hook). */
  unacceptableProtocol: 1,
  /** Client Identifier is not a valid device id [FW-2.1]. */
  identifierRejected: 2,
  /** Not in the FW-2.3.3 table: the device directory failed, so nothing was decided. */
  serverUnavailable: 3,
  /** Anything wrong with the user name or the credential: make a new one and retry. */
  badUsernameOrPassword: 4,
  /** The credential is good but this device may not connect: stop retrying. */
  notAuthorised: 5,
} as const;

export type RefusalCode = 2 | 3 | 4 | 5;

export class ConnectRefusal extends Error {
  override readonly name = 'ConnectRefusal';
  constructor(
    readonly returnCode: RefusalCode,
    /** Why, in words, for the log (never sent to the terminal: MQTT 3.1.1 has no field for it). */
    readonly reason: string,
  ) {
    super(reason);
  }
}
