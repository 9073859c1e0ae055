import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvitationRepo } from './invitations.js';
import { SessionRepo } from './sessions.js';
import type { Store } from './store.js';
import { storeFactory, type StoreFactory } from './testing.js';
import { UserRepo } from './users.js';

describe.each(['pglite', 'postgres'] as const)('users, sessions, invitations on %s', (kind) => {
  let factory: StoreFactory;
  let store: Store;
  let users: UserRepo;

  beforeAll(async () => {
    factory = await storeFactory(kind);
    store = await factory.open();
    users = new UserRepo(store.sql);
  });
  afterAll(async () => factory?.dispose());

  it('stores a scrypt hash, authenticates case-insensitively, refuses a wrong password and duplicates', async () => {
    const { user, password } = await users.add({ email: ' Ana@Example.org', role: 'admin' });
    expect(user).toMatchObject({ email: 'ana@example.org', role: 'admin', disabled: false });
    const { rows } = await store.sql.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [user.id]);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain(password);
    expect((await users.authenticate('ANA@example.org', password))?.id).toBe(user.id);
    expect(await users.authenticate('ana@example.org', `${password}x`)).toBeNull();
    expect(await users.authenticate('nobody@example.org', password)).toBeNull();
    await expect(users.add({ email: 'ana@example.org', role: 'viewer' })).rejects.toMatchObject({ code: 'SPOOR_E_CONFLICT' });
    await expect(users.add({ email: 'not-an-email', role: 'viewer' })).rejects.toMatchObject({ code: 'SPOOR_E_BAD_REQUEST' });
    await expect(users.add({ email: 'b@example.org', role: 'viewer', password: 'short' })).rejects.toMatchObject({ code: 'SPOOR_E_BAD_REQUEST' });
  });

  it('sessions are stored hashed, expire, and end when the user is disabled', async () => {
    const { user } = await users.add({ email: 'rev@example.org', role: 'reviewer', password: 'a long password' });
    const sessions = new SessionRepo(store.sql);
    const s = await sessions.create(user.id);
    const { rows } = await store.sql.query<{ token_hash: string }>('SELECT token_hash FROM sessions WHERE user_id = $1', [user.id]);
    expect(rows.map((r) => r.token_hash)).not.toContain(s.token);
    expect(await sessions.lookup(s.token)).toMatchObject({ user: { email: 'rev@example.org', role: 'reviewer' }, csrf: s.csrf });
    const short = await new SessionRepo(store.sql, -1000).create(user.id);
    expect(await sessions.lookup(short.token)).toBeNull();
    await users.update(user.id, { disabled: true });
    expect(await sessions.lookup(s.token)).toBeNull();
    expect(await users.authenticate('rev@example.org', 'a long password')).toBeNull();
  });

  it('an invitation is accepted once; used or expired ones are gone', async () => {
    const inv = new InvitationRepo(store.sql);
    const i = await inv.create('New@Example.org', 'viewer', 'ana@example.org');
    expect(await inv.peek(i.token)).toEqual({ email: 'new@example.org', role: 'viewer' });
    const user = await inv.accept(i.token, 'Newt', 'a long enough password');
    expect(user).toMatchObject({ email: 'new@example.org', role: 'viewer', name: 'Newt' });
    expect(await inv.peek(i.token)).toBeNull();
    await expect(inv.accept(i.token, 'Again', 'a long enough password')).rejects.toMatchObject({ code: 'SPOOR_E_NOT_FOUND' });
    const old = await new InvitationRepo(store.sql, -1).create('late@example.org', 'viewer', 'x');
    expect(await inv.peek(old.token)).toBeNull();
    await expect(inv.accept(old.token, 'Late', 'a long enough password')).rejects.toMatchObject({ code: 'SPOOR_E_NOT_FOUND' });
    // A failed accept (short password) does not use the invitation up.
    const j = await inv.create('again@example.org', 'reviewer', 'x');
    await expect(inv.accept(j.token, 'A', 'short')).rejects.toMatchObject({ code: 'SPOOR_E_BAD_REQUEST' });
    expect(await inv.peek(j.token)).not.toBeNull();
  });
});
