export * from './stanza-error.js';
export * from './stream-error.js';
export * from './sasl-failure.js';
