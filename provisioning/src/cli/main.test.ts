import { describe, expect, it } from 'vitest';
import { main } from './main.js';

const run = async (argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
};

describe('spoor-provision CLI', () => {
  it('has --help everywhere', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('device create') as string });
    for (const cmd of ['ca', 'device', 'bundle']) expect((await run([cmd, '--help'])).code).toBe(0);
    expect((await run(['device', 'create', '--help'])).out).toContain('--pki <pkiDir>');
  });

  it('answers a usage mistake with exit 2 and a pointer to --help', async () => {
    expect(await run(['device', 'create', 'trap-1', '--hub', 'http://127.0.0.1:1'])).toMatchObject({ code: 2, err: expect.stringContaining('needs --fleet') as string });
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['ca', 'init', '--bogus'])).code).toBe(2);
  });

  it('reports a coded error as JSON with --json', async () => {
    const r = await run(['device', 'revoke', 'trap-1', '--hub', 'http://127.0.0.1:9', '--token', 't', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ error: { code: 'SPOOR_E_HUB_UNREACHABLE' } });
  });
});
