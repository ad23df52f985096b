/** Crypto for tests: the Node port, and the RFC 8032 test keys the wire vectors use. */
import { NodeCrypto, NodeSigner } from '../../device/ports/node/index.js';
import { DEVICE_SEED_HEX, PEER_SEED_HEX, STORE_SEED_HEX } from '../../sdk/vectors/catalog.js';
import { fromHex } from '../../sdk/vectors/json.js';

export const crypto = new NodeCrypto();
export const deviceSigner = NodeSigner.fromSeed(fromHex(DEVICE_SEED_HEX));
export const storeSigner = NodeSigner.fromSeed(fromHex(STORE_SEED_HEX));
/** The peer `hh-0002` of the host-mode vectors (RFC 8032 TEST 1). */
export const peerSigner = NodeSigner.fromSeed(fromHex(PEER_SEED_HEX));
export const otherSigner = NodeSigner.fromSeed(new Uint8Array(32).fill(7));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
