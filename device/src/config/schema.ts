/** The device config schema lives in protocol/, so the hub checks a config push with the same one before it publishes it. */
export { DeploymentSchema, DeviceConfigSchema, ProviderName, type DeviceConfig } from '@spoor/protocol/device-config';
