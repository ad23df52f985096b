/** Fairway cartridges: the demo part format and the node:vm executor that plays it. */
export { CartridgeExecutor, DEFAULT_TIMEOUT_MS, DEFAULT_MEMORY_MB, TIMEOUT_MS_MAX, OUTPUT_MAX_CHARS, type CartridgeExecutorOptions } from './cartridge-executor.js';
export {
  encodeCartridge,
  readCartridge,
  cartridgeMinimumBytes,
  CARTRIDGE_MAGIC,
  CARTRIDGE_PREFIX_BYTES,
  HEADER_MAX_BYTES,
  CODE_MAX_BYTES,
  DATA_MAX_BYTES,
  CONTENT_MAX_DEPTH,
  READ_PIECE_BYTES,
  type Cartridge,
  type CartridgeHeader,
  type CartridgeKind,
  type CartridgeSpec,
} from './format.js';
export { LOG_MAX_LINES, LOG_LINE_MAX_CHARS } from './sandbox-prelude.js';
export { SandboxThread, type SandboxJob, type SandboxResult, type SandboxThreadOptions } from './sandbox-thread.js';
