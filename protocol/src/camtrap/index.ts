export * from './tables.js';
export * from './csv.js';
export * from './package.js';
export * from './validate.js';
