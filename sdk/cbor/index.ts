export { encodeCbor, decodeCbor, CborTag, type CborValue, type DecodeLimits } from './codec.js';
export { scanCbor, type ScanLimits, MAX_KEY_BYTES } from './scan.js';
