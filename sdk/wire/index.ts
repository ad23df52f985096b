export * from './messages.js';
export * from './fields.js';
export * from './codes.js';
export * from './topics.js';
export { encodeMessage, decodeMessage, decodeBody, requireVersion, type DecodeOptions } from './codec.js';
export { parseWith, schemaError } from './issues.js';
export { encodeChunkMessage, type ChunkBody } from './chunk-encoder.js';
export { errorCodeFor, salvageRid, type DecodeFailureCode } from './decode-failure.js';
