// The encrypted store: contacts, messages, the database key and its migrations. Outside this
// folder, import from here only.
export {maxContactNameLength, normalizeFingerprint, checkContactName, refuseOwnKey, type Contact as StoredContact, type NewContact, type RegistryState} from './contacts.js';
export * from './errors.js';
export {defaultKdf, readKeyFile, storeCipher, writeFileDurably, type KdfParameters} from './key.js';
export * from './messages.js';
export * from './migrations.js';
export {storedPresenceStates, type StoredPresence} from './presence.js';
export * from './store.js';
