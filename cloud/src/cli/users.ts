import { parseArgs } from 'node:util';
import { InvitationRepo } from '../store/invitations.js';
import { ROLES, isRole } from '../store/tokens.js';
import { UserRepo, type User } from '../store/users.js';
import { callHub, openAdminTarget } from './admin.js';
import { type CliIo, UsageError } from './common.js';

export const USERS_HELP = `Usage: spoor-hub users add --email <email> --role <admin|reviewer|viewer> --data <dir> [--name <name>] [--invite] [--json]
       spoor-hub users list --data <dir> [--json]

Console users. \`add\` creates the user with a random password and prints it once (the hub
stores a scrypt hash); with --invite it prints a one-time invitation link instead (valid 7
days), where the user picks their own password. Open the console at the hub's URL and sign in.
When a hub is running on the data dir, the command goes through its API.

Options:
  --email <email>        the user's email (their sign-in name)
  --role <role>          ${ROLES.join(', ')}: viewers read, reviewers also decide, admins also manage users, devices and configs
  --name <name>          display name
  --invite               print an invitation link instead of a password
  --data <dir>           the hub data dir
  --database-url <url>   a Postgres server instead of the embedded store
  --json                 print {"email","password"} (or {"email","url","expiresAt"} with --invite)
  -h, --help             show this help`;

export async function usersCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      invite: { type: 'boolean', default: false },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(USERS_HELP), 0;
  const sub = positionals[0];
  if (sub !== 'add' && sub !== 'list') throw new UsageError('users needs a subcommand: add or list');
  if (sub === 'add') {
    if (!values.email) throw new UsageError('--email is required');
    if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  }
  const target = await openAdminTarget({ data: values.data, databaseUrl: values['database-url'] });
  try {
    if (sub === 'list') {
      const items = target.kind === 'api' ? (await callHub<{ items: User[] }>(target, 'GET', '/api/users')).items : await new UserRepo(target.store.sql).list();
      if (values.json) io.out(JSON.stringify({ items }));
      else if (items.length === 0) io.out('no users yet: add one with  spoor-hub users add --email <e> --role admin --data <dir>');
      else for (const u of items) io.out(`${u.email.padEnd(32)} ${u.role.padEnd(9)} ${u.disabled ? 'disabled' : 'active  '} ${u.name ?? ''}`);
      return 0;
    }
    const email = values.email as string;
    const role = values.role as (typeof ROLES)[number];
    if (values.invite) {
      const inv =
        target.kind === 'api'
          ? await callHub<{ token: string; url: string; expiresAt: string; email: string }>(target, 'POST', '/api/invitations', { email, role })
          : await new InvitationRepo(target.store.sql).create(email, role, 'cli').then((i) => ({ ...i, url: `/#/invite/${i.token}` }));
      const base = target.kind === 'api' ? target.baseUrl.replace('127.0.0.1', 'localhost') : '<hub URL>';
      if (values.json) io.out(JSON.stringify({ email: inv.email, url: `${base}${inv.url}`, expiresAt: inv.expiresAt }));
      else io.out(`Invitation for ${inv.email} (${role}), valid until ${inv.expiresAt}, works once:\n  ${base}${inv.url}`);
      return 0;
    }
    const created =
      target.kind === 'api'
        ? await callHub<{ user: User; password: string }>(target, 'POST', '/api/users', { email, role, ...(values.name ? { name: values.name } : {}) })
        : await new UserRepo(target.store.sql).add({ email, role, name: values.name ?? null });
    if (values.json) io.out(JSON.stringify({ email: created.user.email, password: created.password }));
    else io.out(`${role} ${created.user.email}, password: ${created.password}\nIt is not shown again. Sign in to the console at the hub's URL.`);
    return 0;
  } finally {
    if (target.kind === 'store') await target.close();
  }
}
