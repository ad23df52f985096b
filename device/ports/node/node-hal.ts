/**
 * The whole Node port in one call: file-backed flash with a capacity, a TCP link to the
 * broker, node:crypto and the system clock — the four HAL objects plus the device key.
 */
import type { Hal } from '../../../sdk/hal/index.js';
import { SystemClock } from './clock.js';
import { NodeCrypto, NodeSigner } from './crypto.js';
import { TcpLink } from './link.js';
import { FileStorage } from './storage.js';

export interface NodeHalOptions {
  storageDir: string;
  capacityBytes: number;
  host: string;
  port: number;
  signer: NodeSigner;
  connectTimeoutMs?: number;
}

export async function createNodeHal(options: NodeHalOptions): Promise<Hal> {
  return {
    storage: await FileStorage.open(options.storageDir, { capacityBytes: options.capacityBytes }),
    link: new TcpLink(options.host, options.port, { connectTimeoutMs: options.connectTimeoutMs ?? 10_000 }),
    crypto: new NodeCrypto(),
    clock: new SystemClock(),
    signer: options.signer,
  };
}
