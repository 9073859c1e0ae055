import { parseArgs } from 'node:util';
import { isSpoorError } from '@spoor/protocol';
import { bundleFromEnv } from '../from-env.js';
import { caPaths, initCa, issueCert } from '../pki.js';
import { createDevice, revokeDevice, rotateDevice } from '../provision.js';
import { join } from 'node:path';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

class UsageError extends Error {}

export const HELP = `spoor-provision: device identity, credentials and TLS for Spoor trap units

Usage: spoor-provision <command> [options]

Commands:
  ca init --dir <pkiDir>                          create the fleet CA (ca.pem, ca.key 0600)
  ca server --dir <pkiDir> --host <name> ...      issue the hub broker's TLS certificate
  device create <id> --hub <url> --token <t> --fleet <f> --pki <dir> --out <dir>
                                                  register a unit on the hub and write its bundle
  device rotate <id> --hub <url> --token <t> [--bundle <dir>]
                                                  new MQTT password (the old one stops working)
  device revoke <id> --hub <url> --token <t>      the broker refuses the unit from now on
  bundle from-env --out <dir>                     (in the balena container) write the bundle from SPOOR_*_B64

Every command takes --help; --json prints the result as JSON. The admin token may also
come from SPOOR_HUB_TOKEN.`;

const CA_HELP = `Usage: spoor-provision ca init --dir <pkiDir> [--name <cn>] [--json]
       spoor-provision ca server --dir <pkiDir> --host <dns-or-ip> [--host ...] [--out <dir>] [--json]

init:   create a CA for MQTT over TLS (EC P-256, 10 years) in <pkiDir>: ca.pem and ca.key
        (0600). Refuses to replace an existing CA. Keep ca.key offline if you can.
server: issue the hub broker's certificate (serverAuth, SANs from --host) as server.pem
        and server.key in --out (default <pkiDir>); use them as the hub's mqtt.tls cert/key.`;

const DEVICE_HELP = `Usage:
  spoor-provision device create <id> --hub <url> --token <adminToken> --fleet <id> --pki <pkiDir> --out <bundleDir>
      [--name <text>] [--mqtt-url <url>] [--install-dir /etc/spoor] [--data-dir /var/lib/spoor]
      [--inbox <dir>] [--set <json>] [--json]
  spoor-provision device rotate <id> --hub <url> --token <adminToken> [--bundle <bundleDir>] [--json]
  spoor-provision device revoke <id> --hub <url> --token <adminToken> [--json]

create: registers the unit with the hub (POST /api/devices; the hub keeps only a hash of
        the password), issues its TLS client certificate from the CA, and writes the bundle:
        device.json (validated by the daemon's schema), ca.pem, client.pem, client.key,
        spoor-device.service (systemd) and balena.env. Secrets are written 0600.
        --mqtt-url defaults to mqtts://<hub host>:8883. --set merges JSON device settings
        (e.g. '{"gpio":{"enabled":true,"line":17}}').
rotate: a new MQTT password; with --bundle, device.json and balena.env are updated.
revoke: the hub broker refuses the unit at once and drops its live connection.`;

const BUNDLE_HELP = `Usage: spoor-provision bundle from-env --out <dir> [--json]

In the balena device container: write device.json, ca.pem, client.pem and client.key from
SPOOR_DEVICE_CONFIG_B64, SPOOR_CA_PEM_B64, SPOOR_CLIENT_CERT_B64 and SPOOR_CLIENT_KEY_B64
(the variables in the bundle's balena.env). The config is validated first.`;

const OPTIONS = {
  dir: { type: 'string' },
  name: { type: 'string' },
  host: { type: 'string', multiple: true },
  out: { type: 'string' },
  hub: { type: 'string' },
  token: { type: 'string' },
  fleet: { type: 'string' },
  pki: { type: 'string' },
  bundle: { type: 'string' },
  'mqtt-url': { type: 'string' },
  'install-dir': { type: 'string' },
  'data-dir': { type: 'string' },
  inbox: { type: 'string' },
  set: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const [cmd] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(HELP);
    return cmd === undefined ? 2 : 0;
  }
  const json = argv.includes('--json');
  try {
    const { values, positionals } = parseArgs({ args: argv.slice(1), options: OPTIONS, allowPositionals: true });
    const print = (data: object, text: string) => io.out(json ? JSON.stringify(data) : text);
    const need = (v: string | undefined, flag: string): string => {
      if (!v) throw new UsageError(`${cmd} ${positionals[0] ?? ''} needs ${flag}`);
      return v;
    };
    const hub = () => ({ url: need(values.hub, '--hub <url>'), token: need(values.token ?? process.env.SPOOR_HUB_TOKEN, '--token <adminToken> (or SPOOR_HUB_TOKEN)') });
    const [sub, id] = positionals;

    if (cmd === 'ca') {
      if (values.help) return io.out(CA_HELP), 0;
      const dir = need(values.dir, '--dir <pkiDir>');
      if (sub === 'init') {
        const ca = await initCa(dir, values.name ? { name: values.name } : {});
        print(ca, `CA created: ${ca.cert} (key ${ca.key}, 0600)`);
        return 0;
      }
      if (sub === 'server') {
        const hosts = values.host ?? [];
        if (hosts.length === 0) throw new UsageError('ca server needs at least one --host');
        const out = values.out ?? dir;
        const files = { cert: join(out, 'server.pem'), key: join(out, 'server.key'), ca: caPaths(dir).cert };
        await issueCert(dir, { commonName: hosts[0] as string, role: 'server', hosts, certOut: files.cert, keyOut: files.key });
        print(files, `server certificate for ${hosts.join(', ')}: ${files.cert} (key ${files.key})`);
        return 0;
      }
      throw new UsageError('ca needs init or server');
    }

    if (cmd === 'device') {
      if (values.help) return io.out(DEVICE_HELP), 0;
      if (sub !== 'create' && sub !== 'rotate' && sub !== 'revoke') throw new UsageError('device needs create, rotate or revoke');
      if (!id) throw new UsageError(`device ${sub} needs a device id`);
      if (sub === 'create') {
        let extra: Record<string, unknown> | undefined;
        if (values.set) {
          try {
            extra = JSON.parse(values.set) as Record<string, unknown>;
          } catch {
            throw new UsageError('--set must be a JSON object');
          }
        }
        const r = await createDevice({
          deviceId: id,
          fleetId: need(values.fleet, '--fleet <id>'),
          hub: hub(),
          pkiDir: need(values.pki, '--pki <pkiDir>'),
          outDir: need(values.out, '--out <bundleDir>'),
          ...(values.name ? { name: values.name } : {}),
          ...(values['mqtt-url'] ? { mqttUrl: values['mqtt-url'] } : {}),
          ...(values['install-dir'] ? { installDir: values['install-dir'] } : {}),
          ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
          ...(values.inbox ? { inbox: values.inbox } : {}),
          ...(extra ? { extra } : {}),
        });
        print(r, `device ${r.deviceId} registered (fleet ${r.fleetId}, broker ${r.mqttUrl})\nbundle: ${r.bundle}\n  ${r.files.join('\n  ')}\nThe bundle holds the device's password and key; copy it to the unit and keep no other copy.`);
        return 0;
      }
      if (sub === 'rotate') {
        const r = await rotateDevice(hub(), id, values.bundle);
        print(r, `device ${r.deviceId}: new password ${r.bundle ? `written to ${r.bundle}/device.json` : r.password}\nThe old password no longer works; update the unit and restart it.`);
        return 0;
      }
      const r = await revokeDevice(hub(), id);
      print(r, `device ${id} revoked`);
      return 0;
    }

    if (cmd === 'bundle') {
      if (values.help) return io.out(BUNDLE_HELP), 0;
      if (sub !== 'from-env') throw new UsageError('bundle needs from-env');
      const r = await bundleFromEnv(need(values.out, '--out <dir>'));
      print(r, `bundle written: ${r.files.join(', ')}`);
      return 0;
    }
    io.err(`unknown command "${cmd}"\n\n${HELP}`);
    return 2;
  } catch (err) {
    const usage = err instanceof UsageError || String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    if (usage) {
      io.err(`error: ${(err as Error).message}\nRun with --help for usage.`);
      return 2;
    }
    const coded = isSpoorError(err) ? err.toJSON() : { code: 'SPOOR_E_INTERNAL', message: (err as Error)?.message ?? String(err) };
    if (json) io.out(JSON.stringify({ error: coded }));
    io.err(`error ${coded.code}: ${coded.message}${'hint' in coded && coded.hint ? `\n  → ${coded.hint}` : ''}`);
    return 1;
  }
}
