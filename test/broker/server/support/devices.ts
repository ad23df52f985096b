/**
 * Terminals for broker tests: an in-memory DeviceDirectory and devices with real Ed25519
 * keys (NodeSigner) that make CONNECT credentials [FW-2.3.1], good or deliberately bad.
 */
import { NodeCrypto, NodeSigner } from '../../../../device/ports/node/crypto.js';
import type { DeviceDirectory } from '../../../../broker/auth/device-directory.js';
import { credentialArtefact } from '../../../../sdk/receipt/credential.js';

const crypto = new NodeCrypto();
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A Map of enrolled keys, plus a set of devices that are known but may not connect. */
export class MemoryDirectory implements DeviceDirectory {
  readonly keys = new Map<string, Uint8Array>();
  readonly barred = new Set<string>();
  failing = false;

  async publicKeyOf(deviceId: string): Promise<Uint8Array | undefined> {
    if (this.failing) throw new Error('directory offline');
    return this.keys.get(deviceId);
  }

  async mayConnect(deviceId: string): Promise<boolean> {
    return !this.barred.has(deviceId);
  }
}

/** A settable wall clock shared by the broker and the devices of one test. */
export class TestClock {
  constructor(public now = Date.now()) {}
  wallMs(): number {
    return this.now;
  }
}

export interface CredentialOverrides {
  /** Payload `device`; default the device's own id. */
  device?: string;
  /** Payload `time`; default the clock's now. */
  time?: number;
  nonce?: Uint8Array;
  /** Sign with this key instead of the enrolled one. */
  signer?: NodeSigner;
}

export class TestDevice {
  constructor(
    readonly id: string,
    readonly signer: NodeSigner,
    private readonly clock: TestClock,
  ) {}

  /** A fresh COSE_Sign1 credential (new nonce each call), raw bytes as the protocol says. */
  async credential(overrides: CredentialOverrides = {}): Promise<Uint8Array> {
    const payload = {
      v: 1 as const,
      device: overrides.device ?? this.id,
      time: overrides.time ?? this.clock.wallMs(),
      nonce: overrides.nonce ?? crypto.randomBytes(16),
    };
    return credentialArtefact.sign(payload, overrides.signer ?? this.signer, utf8(this.id));
  }

  /** The same credential as unpadded base64url text, for text-only MQTT clients. */
  async textCredential(overrides: CredentialOverrides = {}): Promise<string> {
    return Buffer.from(await this.credential(overrides)).toString('base64url');
  }
}

/** Enrols a device with a fresh key pair. */
export function enrol(directory: MemoryDirectory, clock: TestClock, id: string): TestDevice {
  const signer = NodeSigner.generate();
  directory.keys.set(id, signer.publicKey);
  return new TestDevice(id, signer, clock);
}
