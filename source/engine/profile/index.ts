// A profile on disk: the data directory, its lock, the settings and the identity with its store.
// Outside this folder, import from here only.
export * from './data-dir.js';
export * from './lock.js';
export * from './profile.js';
export * from './settings.js';
