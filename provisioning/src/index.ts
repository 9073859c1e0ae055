export { ProvisionErrors } from './errors.js';
export { initCa, issueCert, verifyCert, caPaths, type CertRole } from './pki.js';
export { hubApi, type HubTarget, type DeviceCredentials } from './hub-api.js';
export { BUNDLE_FILES, BALENA_PATHS, deviceConfig, systemdUnit, balenaEnv } from './bundle.js';
export { bundleFromEnv } from './from-env.js';
export { createDevice, rotateDevice, revokeDevice, defaultMqttUrl, type CreateOptions, type BundleSummary } from './provision.js';
export { main as cli } from './cli/main.js';
