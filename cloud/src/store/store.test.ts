import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSpoorError } from '@spoor/protocol';
import { makeSighting } from '../testing/fixtures.js';
import { MIGRATIONS, migrate } from './migrations.js';
import type { Store } from './store.js';
import { storeFactory, type StoreFactory } from './testing.js';

describe.each(['pglite', 'postgres'] as const)('store on %s', (kind) => {
  let factory: StoreFactory;
  let store: Store;

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
  });
  afterAll(async () => {
    await factory?.dispose();
  });

  it('migrations are recorded and a second run applies nothing', async () => {
    expect(await migrate(store.sql)).toEqual([]);
    const { rows } = await store.sql.query<{ version: number }>('SELECT version FROM schema_migrations');
    expect(rows.map((r) => r.version).sort((a, b) => a - b)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('adds a device, shows the password once and verifies it (and nothing else)', async () => {
    const creds = await store.devices.add({ deviceId: 'trap-a', fleetId: 'north', name: 'Oak ridge' });
    expect(creds).toMatchObject({ deviceId: 'trap-a', username: 'trap-a', fleetId: 'north' });
    expect(creds.password.length).toBeGreaterThanOrEqual(24);
    const { rows } = await store.sql.query<{ password_hash: string }>('SELECT password_hash FROM devices WHERE id = $1', ['trap-a']);
    expect(rows[0]?.password_hash).not.toContain(creds.password);
    expect(await store.devices.verify('trap-a', creds.password)).toEqual({ deviceId: 'trap-a', fleetId: 'north' });
    expect(await store.devices.verify('trap-a', `${creds.password}x`)).toBeNull();
    expect(await store.devices.verify('nobody', creds.password)).toBeNull();
  });

  it('uses a fresh salt per device and refuses duplicates and bad ids', async () => {
    await store.devices.add({ deviceId: 'trap-b' });
    const { rows } = await store.sql.query<{ password_hash: string }>("SELECT password_hash FROM devices WHERE id IN ('trap-a','trap-b')");
    const salts = rows.map((r) => r.password_hash.split('$')[4]);
    expect(new Set(salts).size).toBe(2);
    expect((await store.devices.get('trap-b'))?.fleetId).toBe('default');
    await expect(store.devices.add({ deviceId: 'trap-b' })).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_CONFLICT'));
    await expect(store.devices.add({ deviceId: 'bad/id' })).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_BAD_REQUEST'));
  });

  it('a revoked device no longer verifies', async () => {
    const creds = await store.devices.add({ deviceId: 'trap-r' });
    await store.devices.revoke('trap-r');
    expect(await store.devices.verify('trap-r', creds.password)).toBeNull();
    expect(await store.devices.isRevoked('trap-r')).toBe(true);
    await expect(store.devices.revoke('nope')).rejects.toSatisfy((e) => isSpoorError(e, 'SPOOR_E_NOT_FOUND'));
  });

  it('records status and last seen', async () => {
    await store.devices.touch('trap-a', { state: 'online' });
    const d = await store.devices.get('trap-a');
    expect(d?.status).toEqual({ state: 'online' });
    expect(d?.lastSeenAt).not.toBeNull();
  });

  it('tokens: plaintext once, verify gives the role, revoked tokens fail', async () => {
    const t = await store.tokens.add('viewer');
    expect(t.token).toMatch(/^spoor_/);
    expect(await store.tokens.verify(t.token)).toBe('viewer');
    expect(await store.tokens.verify(`${t.token}x`)).toBeNull();
    expect(await store.tokens.verify('')).toBeNull();
    await store.tokens.revoke(t.id);
    expect(await store.tokens.verify(t.token)).toBeNull();
  });

  it('upsertMany is idempotent and returns every committed id', async () => {
    const a = makeSighting('trap-a', { species: 'Lynx lynx', takenAt: new Date('2025-03-01T10:00:00Z') });
    const b = makeSighting('trap-a', { species: 'Vulpes vulpes', takenAt: new Date('2025-03-02T10:00:00Z') });
    expect(await store.sightings.upsertMany([a, b, a])).toEqual([a.id, b.id]);
    const c = makeSighting('trap-b', { species: 'Vulpes vulpes', takenAt: new Date('2025-03-03T10:00:00Z'), individualId: null });
    // a is already stored: it is still reported as committed.
    expect(await store.sightings.upsertMany([a, c])).toEqual([a.id, c.id]);
    expect(await store.sightings.count()).toBe(3);
    const { rows } = await store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM detections');
    expect(rows[0]?.n).toBe(3);
    const ind = await store.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM individuals_local');
    expect(ind.rows[0]?.n).toBe(2);
    expect(await store.sightings.get(a.id)).toEqual(a);
    expect(await store.sightings.get('00000000-0000-7000-8000-000000000000')).toBeNull();
    expect(await store.sightings.get('not-a-uuid')).toBeNull();
  });

  it('a failing batch commits nothing', async () => {
    const ok = makeSighting('trap-a');
    const bad = makeSighting('trap-a');
    bad.takenAt = '2025-02-30T10:00:00Z'; // the server rejects the date
    await expect(store.sightings.upsertMany([ok, bad])).rejects.toThrow();
    expect(await store.sightings.get(ok.id)).toBeNull();
  });

  it('lists with filters, newest first, with the total', async () => {
    const all = await store.sightings.list({ limit: 10, offset: 0 });
    expect(all.total).toBe(3);
    expect(all.items.map((s) => s.takenAt)).toEqual(['2025-03-03T10:00:00.000Z', '2025-03-02T10:00:00.000Z', '2025-03-01T10:00:00.000Z']);
    expect((await store.sightings.list({ species: 'Vulpes vulpes', limit: 10, offset: 0 })).total).toBe(2);
    expect((await store.sightings.list({ deviceId: 'trap-b', limit: 10, offset: 0 })).items.map((s) => s.deviceId)).toEqual(['trap-b']);
    const window = await store.sightings.list({ from: '2025-03-02T00:00:00Z', to: '2025-03-03T00:00:00Z', limit: 10, offset: 0 });
    expect(window.total).toBe(1);
    const page = await store.sightings.list({ limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3 });
    expect(page.items[0]?.takenAt).toBe('2025-03-02T10:00:00.000Z');
  });
});

describe('migrations on the Postgres server', () => {
  it('two hubs migrating a fresh database at once both succeed', async () => {
    const fresh = await storeFactory('postgres');
    try {
      const [a, b] = await Promise.all([fresh.connect(), fresh.connect()]);
      const results = await Promise.all([migrate(a), migrate(b)]);
      expect(results.map((r) => r.length).sort()).toEqual([0, MIGRATIONS.length]);
    } finally {
      await fresh.dispose();
    }
  });

});
