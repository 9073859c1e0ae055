/**
 * The fleet's local CA for MQTT over TLS, driven through the `openssl` CLI (present on
 * every Linux host; node:crypto cannot issue X.509 certificates). Keys are EC P-256,
 * written 0600; certificates carry the usages their role needs (clientAuth / serverAuth).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProvisionErrors } from './errors.js';

export const caPaths = (dir: string) => ({ cert: join(dir, 'ca.pem'), key: join(dir, 'ca.key') });

function openssl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.env.SPOOR_OPENSSL ?? 'openssl', args, { timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(ProvisionErrors.SPOOR_E_OPENSSL(`openssl ${args[0]}: ${String(stderr).trim() || err.message}`, { cause: err })) : resolve(stdout),
    ),
  );
}

async function newKey(path: string): Promise<void> {
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path]);
  await chmod(path, 0o600);
}

const serial = () => `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`;

/** Create a CA (10 years) in `dir`; refuses to replace one. */
export async function initCa(dir: string, opts: { name?: string; days?: number } = {}): Promise<{ cert: string; key: string; subject: string }> {
  const p = caPaths(dir);
  if (existsSync(p.key) || existsSync(p.cert)) throw ProvisionErrors.SPOOR_E_CA_EXISTS(dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await newKey(p.key);
  const subject = `/O=Spoor/CN=${opts.name ?? 'Spoor fleet CA'}`;
  await openssl([
    'req', '-x509', '-new', '-key', p.key, '-sha256', '-days', String(opts.days ?? 3650), '-subj', subject, '-set_serial', serial(),
    '-addext', 'basicConstraints=critical,CA:TRUE,pathlen:0', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-addext', 'subjectKeyIdentifier=hash',
    '-out', p.cert,
  ]);
  await chmod(p.cert, 0o644);
  return { ...p, subject };
}

export type CertRole = 'client' | 'server';

/**
 * Issue a certificate signed by the CA in `pkiDir`: a device's client certificate (CN =
 * device id) or the hub broker's server certificate (SANs = its host names and IPs).
 */
export async function issueCert(
  pkiDir: string,
  opts: { commonName: string; role: CertRole; hosts?: readonly string[]; days?: number; certOut: string; keyOut: string },
): Promise<void> {
  const ca = caPaths(pkiDir);
  if (!existsSync(ca.key) || !existsSync(ca.cert)) throw ProvisionErrors.SPOOR_E_CA_MISSING(pkiDir);
  const work = await mkdtemp(join(tmpdir(), 'spoor-pki-'));
  try {
    await newKey(opts.keyOut);
    const csr = join(work, 'req.csr');
    await openssl(['req', '-new', '-key', opts.keyOut, '-subj', `/O=Spoor/CN=${opts.commonName}`, '-out', csr]);
    const sans = (opts.hosts ?? []).map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`));
    const ext = [
      'basicConstraints=critical,CA:FALSE',
      `keyUsage=critical,digitalSignature${opts.role === 'server' ? ',keyEncipherment' : ''}`,
      `extendedKeyUsage=${opts.role === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'authorityKeyIdentifier=keyid',
      ...(sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : []),
    ];
    const extFile = join(work, 'ext.cnf');
    await writeFile(extFile, `${ext.join('\n')}\n`);
    await openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial(), '-days', String(opts.days ?? 825), '-sha256', '-extfile', extFile, '-out', opts.certOut]);
    await chmod(opts.certOut, 0o644);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `openssl verify` of a certificate against the CA: the chain a TLS peer would check. */
export async function verifyCert(pkiDir: string, certFile: string, purpose: 'sslclient' | 'sslserver'): Promise<boolean> {
  try {
    await openssl(['verify', '-CAfile', caPaths(pkiDir).cert, '-purpose', purpose, certFile]);
    return true;
  } catch {
    return false;
  }
}

export const readPem = (path: string) => readFile(path, 'utf8');
