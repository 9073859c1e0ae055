export * from './errors.js';
export * from './ids.js';
export * from './topics.js';
export * from './codec.js';
export * from './embedding.js';
export * from './payloads/index.js';
export * from './config-file.js';
export * from './http-error.js';
