/**
 * The Node port of the HAL [FW-11]: for the simulator, the CLI and tests on a workstation.
 * The only place in device/ that may use node:* modules.
 */
export { FileStorage } from './storage.js';
export type { FileStorageOptions } from './storage.js';
export { TcpLink } from './link.js';
export type { TcpLinkOptions } from './link.js';
export { SocketConnection } from './socket-connection.js';
export { NodeCrypto, NodeSigner } from './crypto.js';
export { SystemClock } from './clock.js';
export { createNodeHal, type NodeHalOptions } from './node-hal.js';
export { CartridgeExecutor, type CartridgeExecutorOptions } from './cartridge/index.js';
