// The registry: records sealed for one contact, published in per-contact, per-day slots and read
// back. Outside this folder, import from here only.
export * from './gate.js';
export * from './publisher.js';
export * from './reader.js';
export * from './record.js';
export * from './value.js';
export * from './watermarks.js';
