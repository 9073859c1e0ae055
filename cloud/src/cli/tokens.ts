import { parseArgs } from 'node:util';
import { ROLES, isRole } from '../store/tokens.js';
import { callHub, openAdminTarget } from './admin.js';
import { type CliIo, UsageError } from './common.js';

export const TOKENS_HELP = `Usage: spoor-hub tokens add --role <admin|reviewer|viewer> --data <dir> [--json]

Create an API bearer token and print it. It is shown only this once (the hub stores its
SHA-256). viewers read, reviewers also decide on individuals, admins also manage devices
and tokens. When a hub is running on the data dir, the command goes through its API.

Options:
  --role <role>          ${ROLES.join(', ')}
  --data <dir>           the hub data dir
  --database-url <url>   a Postgres server instead of the embedded store
  --json                 print {"token": "..."}
  -h, --help             show this help`;

export async function tokensCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return io.out(TOKENS_HELP), 0;
  if (positionals[0] !== 'add') throw new UsageError('tokens needs a subcommand: add');
  if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const role = values.role;
  const target = await openAdminTarget({ data: values.data, databaseUrl: values['database-url'] });
  try {
    const { token } = target.kind === 'api' ? await callHub<{ token: string }>(target, 'POST', '/api/tokens', { role }) : await target.store.tokens.add(role);
    if (values.json) io.out(JSON.stringify({ token }));
    else io.out(`${role} token: ${token}\nIt is not shown again.`);
    return 0;
  } finally {
    if (target.kind === 'store') await target.close();
  }
}
