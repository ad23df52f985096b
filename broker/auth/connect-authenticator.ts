/**
 * Decides a CONNECT [FW-2.3]: turns (client id, user name, password, clean session) into a
 * session identity, or a ConnectRefusal carrying the CONNACK code the protocol prescribes.
 *
 * The checks run cheapest and least revealing first, and the nonce is remembered only once
 * the signature has verified, so nobody without the device key can use up its nonces.
 */
import { credentialArtefact, checkCredentialTime, type Credential } from '../../sdk/receipt/credential.js';
import type { Crypto } from '../../sdk/hal/crypto.js';
import { isValidDeviceId } from '../../sdk/wire/topics.js';
import { ConnectRefusal, CONNACK } from './connect-refusal.js';
import { credentialFromPassword } from './credential-password.js';
import type { DeviceDirectory } from './device-directory.js';
import type { SessionIdentity } from './session-identity.js';

export interface ConnectAttempt {
  clientId: string;
  username: string | undefined;
  password: Uint8Array | undefined;
  cleanSession: boolean;
}

export interface ConnectAuthenticatorOptions {
  directory: DeviceDirectory;
  crypto: Crypto;
  wallMs: () => number;
  credentialWindowMs: number;
  allowAnonymous: boolean;
  /**
   * Remembers a nonce until `forgetAtMs`; false for a replay. One process keeps them in
   * memory, a cluster in Redis, so a captured credential is accepted once on all nodes.
   */
  claimNonce(nonce: Uint8Array, forgetAtMs: number, nowMs: number): Promise<boolean>;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

function badCredential(reason: string): ConnectRefusal {
  return new ConnectRefusal(CONNACK.badUsernameOrPassword, reason);
}

export class ConnectAuthenticator {
  constructor(private readonly options: ConnectAuthenticatorOptions) {}

  /** Resolves to who connected, or rejects with a ConnectRefusal. */
  async authenticate(attempt: ConnectAttempt): Promise<SessionIdentity> {
    if (attempt.username === undefined && attempt.password === undefined) {
      if (this.options.allowAnonymous) return { kind: 'anonymous', clientId: attempt.clientId };
      throw badCredential('no user name and no password (anonymous clients are not allowed)');
    }
    const deviceId = attempt.clientId;
    if (!isValidDeviceId(deviceId)) {
      throw new ConnectRefusal(CONNACK.identifierRejected, `client id ${JSON.stringify(deviceId)} is not a device id (1–64 of [A-Za-z0-9_-])`);
    }
    if (attempt.username === undefined) throw badCredential('user name missing');
    if (attempt.username !== deviceId) throw badCredential(`user name ${JSON.stringify(attempt.username)} differs from the client id`);
    const cose = credentialFromPassword(attempt.password);

    const publicKey = await this.lookUp('device directory', () => this.options.directory.publicKeyOf(deviceId));
    if (!publicKey) throw badCredential('device unknown, not enrolled or revoked');
    const credential = await this.openCredential(cose, publicKey, deviceId);
    if (credential.device !== deviceId) throw badCredential(`credential is for device ${credential.device}`);
    const now = this.options.wallMs();
    try {
      checkCredentialTime(credential, now, this.options.credentialWindowMs);
    } catch (e) {
      throw badCredential(e instanceof Error ? e.message : String(e));
    }
    // One nonce space for all devices: the protocol asks for nonces per device, but 16 random
    // bytes do not collide across devices, and one space is simpler to bound.
    const forgetAtMs = credential.time + this.options.credentialWindowMs;
    if (!(await this.lookUp('nonce registry', () => this.options.claimNonce(credential.nonce, forgetAtMs, now)))) throw badCredential('credential nonce replayed');

    // Past this point the credential is good: what remains is whether this device may connect.
    if (!attempt.cleanSession) {
      throw new ConnectRefusal(CONNACK.notAuthorised, 'Clean Session = 0: no MQTT session state is kept [FW-2.3]');
    }
    const directory = this.options.directory;
    if (directory.mayConnect && !(await this.lookUp('device directory', () => directory.mayConnect!(deviceId)))) {
      throw new ConnectRefusal(CONNACK.notAuthorised, 'device is not enrolled to any user, or is disabled');
    }
    return { kind: 'device', deviceId };
  }

  /** Verifies the COSE_Sign1 with the enrolled key and decodes its payload; CONNACK 4 if not. */
  private async openCredential(cose: Uint8Array, publicKey: Uint8Array, deviceId: string): Promise<Credential> {
    let opened;
    try {
      opened = await credentialArtefact.open(cose, publicKey, this.options.crypto);
    } catch (e) {
      throw badCredential(`credential refused: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (opened.kid && utf8.decode(opened.kid) !== deviceId) throw badCredential('credential kid names another device');
    return opened.payload;
  }

  /**
   * A directory or nonce registry that fails (database or Redis down) decided nothing:
   * CONNACK 3, so the terminal retries later.
   */
  private async lookUp<T>(what: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (e) {
      throw new ConnectRefusal(CONNACK.serverUnavailable, `${what} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}
