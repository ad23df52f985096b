/** The demo world `npm start` runs: a store provisioned with titles, users, terminals and cards. */
export { provisionWorld, defaultRecordPath, CARDS_PER_USER_MAX, type WorldOptions, type World, type WorldDevice } from './provision.js';
export { importCatalog, type WorldTitle, type MenuEntry } from './import-catalog.js';
export { loadCardRecord, saveCardRecord, type CardRecord, type WorldCard } from './card-record.js';
export { worldUserId, worldDeviceId, worldPassword, worldSigner, WORLD_USERS_MAX } from './identities.js';
