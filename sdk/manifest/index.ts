export { ManifestPayload, manifestArtefact, PartHasher, verifyChunk, verifyPartHash, equalBytes, MANIFEST_MAX_BYTES, type Manifest } from './manifest.js';
