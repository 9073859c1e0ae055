import { parseArgs } from 'node:util';
import type { NewDeviceCredentials } from '../store/devices.js';
import { callHub, openAdminTarget } from './admin.js';
import { type CliIo, UsageError } from './common.js';

export const DEVICES_HELP = `Usage: spoor-hub devices <add|list|revoke> ...

  devices add <deviceId> --data <dir> [--fleet <id>] [--name <text>] [--json]
      Register a trap unit and print its MQTT credentials. The password is shown
      only this once (the hub stores a scrypt hash). The default fleet is "default".
  devices list --data <dir> [--json]
  devices revoke <deviceId> --data <dir> [--json]
      The broker refuses the device from now on and drops its live connection.

When a hub is running on the data dir, the command goes through its API; otherwise it
opens the store directly. --database-url (or DATABASE_URL) selects a Postgres server.

Options:
  --data <dir>           the hub data dir
  --database-url <url>   a Postgres server instead of the embedded store
  --json                 print JSON
  -h, --help             show this help`;

export async function devicesCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      data: { type: 'string' },
      'database-url': { type: 'string' },
      fleet: { type: 'string' },
      name: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(DEVICES_HELP), 0;
  const [sub, id] = positionals;
  if (sub !== 'add' && sub !== 'list' && sub !== 'revoke') throw new UsageError('devices needs add, list or revoke');
  if (sub !== 'list' && !id) throw new UsageError(`devices ${sub} needs a device id`);
  const target = await openAdminTarget({ data: values.data, databaseUrl: values['database-url'] });
  try {
    if (sub === 'add') {
      const body = { deviceId: id as string, ...(values.fleet ? { fleetId: values.fleet } : {}), ...(values.name ? { name: values.name } : {}) };
      const creds =
        target.kind === 'api' ? await callHub<NewDeviceCredentials>(target, 'POST', '/api/devices', body) : await target.store.devices.add(body);
      if (values.json) io.out(JSON.stringify({ deviceId: creds.deviceId, username: creds.username, password: creds.password, fleetId: creds.fleetId }));
      else io.out(`device ${creds.deviceId} (fleet ${creds.fleetId})\n  username: ${creds.username}\n  password: ${creds.password}\nThe password is not shown again.`);
      return 0;
    }
    if (sub === 'revoke') {
      const d = target.kind === 'api' ? await callHub<unknown>(target, 'POST', `/api/devices/${encodeURIComponent(id as string)}/revoke`) : await target.store.devices.revoke(id as string);
      if (values.json) io.out(JSON.stringify(d));
      else io.out(`device ${id} revoked`);
      return 0;
    }
    const list = target.kind === 'api' ? (await callHub<{ items: unknown[] }>(target, 'GET', '/api/devices')).items : await target.store.devices.list();
    if (values.json) io.out(JSON.stringify({ items: list }));
    else for (const d of list as { deviceId: string; fleetId: string; revokedAt: string | null; lastSeenAt: string | null }[]) io.out(`${d.deviceId}\t${d.fleetId}\t${d.revokedAt ? 'revoked' : 'active'}\tlast seen ${d.lastSeenAt ?? 'never'}`);
    return 0;
  } finally {
    if (target.kind === 'store') await target.close();
  }
}
