// The engine's public surface: everything outside source/engine imports from here only
// (a lint rule enforces it). EngineApi is what the TUI, the bot and the commands use.
export * from './session/index.js';
export * from './registry/index.js';
export * from './clock.js';
export * from './store/index.js';
export * from './profile/index.js';
export {Engine, type EngineNetwork, type EngineOptions, type EngineSettings} from './engine.js';
export type {EngineEvent, EngineEventType, EngineListener, LifecycleState} from './events.js';
export {ownPresenceStates} from './api.js';
export type {EngineApi, EngineStatus, ContactView, ContactPresence, OwnPresence, OwnIdentityView} from './api.js';
export {stripControl, stripControlKeepNewlines, readCertificates, readPublicKeys, certificateStatus, type KeyQuery, CertificateMismatchError, type KeyState, formatFingerprint, parseKeyQuery, looksLikeKeyId, readKeyFile, KeyFileError, checkUserId, InvalidUserIdError, exportPublicKey, type Certificate} from '../keys/index.js';
export {fetchCertificate, dialThroughTor, defaultKeyservers, type KeyserverDial} from '../keys/keyserver.js';
export {openEngine, type OpenEngineOptions} from './open.js';
export {mergeIntoStore, fetchKeyCopies, NotAContactKeyError, type CertificateUpdate} from './node/index.js';
export {TorUnreachableError, parseControlEndpoint, accessTor, type TorAccess, type TorAccessOptions} from './tor/index.js';
