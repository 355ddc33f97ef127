// Tor for the engine: finding or starting it, the control link, the onion service and its
// rotation. Outside this folder, import from here only.
export * from './access.js';
export * from './link.js';
export * from './onion-host.js';
export * from './rotation.js';
export * from './uplink.js';
