import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.js';
import { backoffDelay } from './backoff.js';
import { checkPush, withPushedConfig, writePushedConfig } from './config-push.js';

const base = () => parseConfig({ deviceId: 'trap-07', dataDir: '/tmp/spoor-x', inbox: '/tmp/spoor-x/inbox' });

describe('config push', () => {
  it('an old config without cloud/sync still validates, with sync off', () => {
    expect(base()).toMatchObject({ cloud: { mqttUrl: null, prefix: 'spoor/v1', fleetId: 'default' }, sync: { bandwidth: 'metadata', dailyBudgetBytes: 50 * 1024 * 1024, receiptTimeoutSec: 60 } });
  });

  it('merges a push over the current config and says which changes need a restart', () => {
    const r = checkPush(base(), { sync: { dailyBudgetBytes: 0 }, cloud: { prefix: 'x/v1' }, pipeline: { topK: 3 } });
    expect(r).toMatchObject({ ok: true, changed: ['/sync/dailyBudgetBytes', '/cloud/prefix', '/pipeline/topK'], restartOnly: ['/cloud/prefix'] });
    if (r.ok) expect(r.config.http.port).toBe(8080); // untouched settings stay
  });

  it('rejects with the path: schema errors, and settings only the device may set', () => {
    expect(checkPush(base(), { sync: { bandwidth: 'everything' } })).toMatchObject({ ok: false, reason: expect.stringContaining('/sync/bandwidth') });
    expect(checkPush(base(), { bogus: 1 })).toMatchObject({ ok: false, reason: expect.stringContaining('/bogus') });
    expect(checkPush(base(), { dataDir: '/elsewhere' })).toMatchObject({ ok: false, reason: expect.stringContaining('/dataDir') });
  });

  it('a saved push applies on top of the file config at the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'spoor-push-'));
    const file = parseConfig({ deviceId: 'trap-07', dataDir: dir, inbox: join(dir, 'inbox') });
    expect(withPushedConfig(file).version).toBeNull();
    writePushedConfig(dir, { version: 4, receivedAt: new Date().toISOString(), config: { sync: { statsIntervalSec: 60 } } });
    const { config, version } = withPushedConfig(file);
    expect(version).toBe(4);
    expect(config.sync.statsIntervalSec).toBe(60);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with full jitter between 1 s and 5 min', () => {
    expect(backoffDelay(0, { random: () => 0 })).toBe(1000);
    expect(backoffDelay(3, { random: () => 1 })).toBe(8000);
    expect(backoffDelay(3, { random: () => 0.5 })).toBe(4000);
    expect(backoffDelay(40, { random: () => 1 })).toBe(300_000);
  });
});
