// The running node: contacts as peers (lookups, dials, backoff), who may see us (visibility),
// and the streams that carry sessions. Outside this folder, import from here only.
export * from './peers.js';
export * from './streams.js';
export * from './visibility.js';
export * from './contact-keys.js';
export * from './key-refresh.js';
