/**
 * What the broker needs to know about terminals to admit them [FW-2.3.2]. The store's
 * enrolment tables implement it; tests use a Map.
 */
export interface DeviceDirectory {
  /**
   * The device's enrolled raw 32-byte Ed25519 public key, or undefined when the device is
   * unknown, not enrolled or revoked. Undefined is refused with CONNACK 4, like any other
   * credential that cannot be verified.
   */
  publicKeyOf(deviceId: string): Promise<Uint8Array | undefined>;
  /**
   * Optional. Asked only after the credential has verified: false when the key is known but
   * the device may not connect (bound to no user, or disabled). That is refused with
   * CONNACK 5, which tells the terminal to stop retrying [FW-2.3.3] — a directory without
   * this method can only say "unknown" (CONNACK 4, retry with back-off).
   */
  mayConnect?(deviceId: string): Promise<boolean>;
}
