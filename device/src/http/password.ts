import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The panel's admin password: an scrypt hash, `scrypt$N$r$p$<salt b64>$<hash b64>`.
 * Provisioning may put one in the config (`panel.passwordHash`); otherwise the first visitor
 * sets it (`POST /api/auth/setup`) and it is kept in `<dataDir>/panel-auth.json` (mode 0600).
 * There is no default password.
 */
export { PASSWORD_HASH_PATTERN } from '@spoor/protocol/device-config';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

function scrypt(pw: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(pw, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * Number(n) * Number(r) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Where the hash lives: the config's (read-only) or the one set on first visit. */
export interface PasswordStore {
  get(): Promise<string | null>;
  /** Only used while no hash is set. */
  set(hash: string): Promise<void>;
}

export function filePasswordStore(dataDir: string, fromConfig: string | null): PasswordStore {
  const file = join(dataDir, 'panel-auth.json');
  let cached: string | null = fromConfig;
  return {
    async get() {
      if (cached) return cached;
      try {
        const body = JSON.parse(await readFile(file, 'utf8')) as { passwordHash?: unknown };
        cached = typeof body.passwordHash === 'string' ? body.passwordHash : null;
      } catch {
        cached = null;
      }
      return cached;
    },
    async set(hash) {
      const tmp = `${file}.tmp`;
      await writeFile(tmp, JSON.stringify({ passwordHash: hash, setAt: new Date().toISOString() }), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      cached = hash;
    },
  };
}

export function memoryPasswordStore(initial: string | null = null): PasswordStore {
  let hash = initial;
  return {
    get: async () => hash,
    set: async (h) => {
      hash = h;
    },
  };
}
