// The engine's public surface: everything outside source/engine imports from here only
// (a lint rule enforces it). EngineApi is what the TUI, the bot and the commands use.
export * from './session/index.js';
export * from './registry/index.js';
export * from './clock.js';
export * from './store/index.js';
export * from './profile/index.js';
export {Engine, type EngineOptions} from './engine.js';
export type {EngineEvent, EngineEventType, EngineListener, LifecycleState} from './events.js';
export {ownPresenceStates} from './api.js';
export type {EngineApi, EngineStatus, ContactView, ContactPresence, OwnPresence, OwnIdentityView} from './api.js';
export {stripControl, stripControlKeepNewlines, readCertificates, formatFingerprint, parseKeyQuery, exportPublicKey, type Certificate} from '../keys/index.js';
export {fetchCertificate, dialThroughTor, defaultKeyservers, type KeyserverDial} from '../keys/keyserver.js';
export {openEngine, type OpenEngineOptions} from './service.js';
export {TorUnreachableError, parseControlEndpoint} from './tor/index.js';
