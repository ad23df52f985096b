export { encodeFrame, FrameReader, FRAME_HEADER_BYTES, DEFAULT_MAX_FRAME_BYTES } from './frames.js';
export * from './messages.js';
