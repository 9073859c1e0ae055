export * from './world.js';
export { renderScene, decodeRaw, PATTERN_COLOR, type Pattern, type SceneObject, type SceneSpec } from './scene.js';
export { openBundledModels, type BundledModels } from './bundled.js';
export { rng, hashSeed } from './rng.js';
