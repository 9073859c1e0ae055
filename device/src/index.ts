export { DeviceConfigSchema, type DeviceConfig } from './config/schema.js';
export { loadConfigFile, parseConfig, type ResolvedConfig } from './config/load.js';
export { startDaemon, type Daemon } from './daemon.js';
export { openRuntime, type DeviceRuntime } from './runtime.js';
export { buildApp } from './http/app.js';
export { main as cli } from './cli/main.js';
