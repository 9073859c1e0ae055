export { NativeErrors, type NativeErrorCode } from './errors.js';
export { loadAddon, tryLoadAddon, DEFAULT_ADDON_PATH, type NativeAddon } from './addon.js';
export { sdNotify, watchdogUsec, createNotifier, type Notifier } from './notify.js';
export { openLine, type GpioLine, type LineEvent, type LineOptions, type Edge } from './gpio.js';
