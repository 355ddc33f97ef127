// The engine's public surface: everything outside source/engine imports from here only
// (a lint rule enforces it). EngineApi is what the TUI, the bot and the commands use.
export * from './session/index.js';
export * from './registry-record.js';
export * from './clock.js';
export * from './publisher.js';
export * from './registry-reader.js';
export * from './store.js';
export {maxContactNameLength, normalizeFingerprint, checkContactName, type Contact as StoredContact, type NewContact, type RegistryState} from './store-contacts.js';
export * from './store-messages.js';
export * from './store-errors.js';
export {defaultKdf, storeCipher, type KdfParameters} from './store-key.js';
export {currentSchemaVersion} from './store-migrations.js';
export * from './data-dir.js';
export * from './lock.js';
export * from './settings.js';
export {Engine, type EngineOptions} from './engine.js';
export type {EngineEvent, EngineEventType, EngineListener, LifecycleState} from './events.js';
export {createProfile, importProfile, openProfile, readProfileIdentity, hasIdentity, NoIdentityError, IdentityExistsError, type Profile, type ProfileOptions} from './profile.js';
export type {EngineApi, EngineStatus, ContactView, ContactPresence, OwnPresence, OwnIdentityView} from './engine-api.js';
export {stripControl, stripControlKeepNewlines, readCertificates, formatFingerprint, parseKeyQuery, exportPublicKey, type Certificate} from '../keys/index.js';
export {fetchCertificate, dialThroughTor, defaultKeyservers, type KeyserverDial} from '../keys/keyserver.js';
export {openEngine, type OpenEngineOptions} from './engine-service.js';
export {TorUnreachableError, parseControlEndpoint} from './tor-access.js';
