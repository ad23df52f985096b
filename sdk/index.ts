/**
 * The public surface of the portable SDK. Nothing here (or below) imports from `node:*`;
 * time, randomness, crypto, storage and the link arrive through the HAL in ./hal.
 */
export * from './errors.js';
export * from './config.js';
export * from './hal/index.js';
export * from './cbor/index.js';
export * from './wire/index.js';
export * from './cose/index.js';
export { defineArtefact, type Artefact, type Opened } from './cose/artefact.js';
export * from './chunks/index.js';
export * from './manifest/index.js';
export * from './receipt/index.js';
export * from './mqtt/index.js';
export * from './licence/index.js';
export * from './local/index.js';
