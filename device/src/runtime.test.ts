import { describe, expect, it } from 'vitest';
import { parseConfig } from './config/load.js';
import { workerInit } from './runtime.js';

describe('workerInit', () => {
  it('passes the provider order through, with the TensorRT engine cache and precision', () => {
    const init = workerInit(parseConfig({ dataDir: '/var/lib/spoor', inbox: '/srv/inbox', models: { tensorrt: { fp16: false } } }));
    expect(init.providers).toEqual([{ name: 'tensorrt', engineCacheDir: '/var/lib/spoor/trt-engines', fp16: false }, 'cuda', 'cpu']);
    const cpuOnly = workerInit(parseConfig({ dataDir: '/d', inbox: '/i', models: { providers: ['cpu'] } }));
    expect(cpuOnly.providers).toEqual(['cpu']);
  });

  it('refuses an unknown provider with the path of the setting', () => {
    expect(() => parseConfig({ dataDir: '/d', inbox: '/i', models: { providers: ['directml'] } })).toThrow(/\/models\/providers\/0/);
  });
});
