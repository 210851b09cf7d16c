/** `roundtable token …`: create, list and revoke API tokens over REST, and recover a lost admin token offline. */
import { RoundtableError, type Member } from '@roundtable/client';
import type { ApiToken } from '@roundtable/protocol';
import { UsageError, handleArg, stringOption, type Command } from '../command.js';
import type { Context } from '../context.js';
import { notice, print, printJson, printTable, warn } from '../output.js';
import { progress } from '../progress.js';
import { withOfflineHub } from './offline.js';

const create: Command = {
  name: 'token create',
  summary: 'Create an API token (shown once); --admin --db recovers a lost admin token offline',
  description: [
    'Over REST, creates a token for yourself, or as an admin for --member. The token is printed alone',
    'on stdout, once: the hub keeps only its hash.',
    '',
    'With --admin --db PATH, the CLI opens the hub’s SQLite database itself, without a token, and',
    'creates an API token for an admin member (--handle, default admin). This is how to recover',
    'when the admin token is lost. The database is in WAL mode, so this is safe while the hub runs,',
    'and the hub accepts the new token at once; stopping the hub first is still the cautious way.',
  ].join('\n'),
  options: {
    name: { type: 'string', value: 'NAME', description: 'A label to recognise the token by (default: cli)' },
    member: { type: 'string', value: 'HANDLE', description: 'Create it for this member (admins only)' },
    admin: { type: 'boolean', description: 'Offline recovery: write an admin token straight into --db' },
    db: { type: 'string', value: 'PATH', description: 'With --admin: the hub’s SQLite database file' },
    handle: { type: 'string', value: 'HANDLE', description: 'With --admin: the admin member (default: admin)' },
  },
  examples: [
    'roundtable token create --name laptop',
    'roundtable token create --member deploy-bot --name ci',
    'export ROUNDTABLE_TOKEN=$(roundtable token create --name scripts)',
    'roundtable token create --admin --db ./data/roundtable.db',
  ],
  async run(context, { values }) {
    const admin = values.admin === true;
    const db = stringOption(values, 'db');
    if (!admin && (db !== undefined || values.handle !== undefined)) {
      throw new UsageError('--db and --handle go with --admin', create);
    }
    if (admin) {
      if (db === undefined) throw new UsageError('--admin needs --db PATH: the hub’s database file', create);
      if (values.member !== undefined) throw new UsageError('--member does not go with --admin; use --handle', create);
      const handle = handleArg(stringOption(values, 'handle') ?? 'admin');
      return recoverAdminToken(context, db, handle, stringOption(values, 'name') ?? 'recovered admin token');
    }
    const member = stringOption(values, 'member');
    const body = {
      name: stringOption(values, 'name') ?? 'cli',
      member: member === undefined ? undefined : handleArg(member),
    };
    const created = await progress(
      'creating a token',
      context.api().post<{ token: string; record: ApiToken }>('/api/v1/tokens', body),
    );
    showSecret(context, created, `Created token ${created.record.id} (${created.record.name}).`);
  },
};

const list: Command = {
  name: 'token list',
  summary: 'List your tokens (admins: every token with --all)',
  options: { all: { type: 'boolean', description: 'Every member’s tokens (admins only)' } },
  examples: ['roundtable token list', 'roundtable token list --all --json'],
  async run(context, { values }) {
    const api = context.api();
    const all = values.all === true;
    const { tokens } = await progress('listing tokens', api.get<{ tokens: ApiToken[] }>('/api/v1/tokens', { all }));
    if (context.json) return printJson({ tokens });
    if (tokens.length === 0) return notice('No tokens.');
    // Tokens name their member by id; with --all, a member list turns those ids into handles.
    const handles = new Map<string, string>();
    if (all) {
      const { members } = await progress('listing members', api.get<{ members: Member[] }>('/api/v1/members'));
      for (const member of members) handles.set(member.id, `@${member.handle}`);
    }
    printTable(
      all ? ['ID', 'MEMBER', 'NAME', 'KIND', 'CREATED', 'REVOKED'] : ['ID', 'NAME', 'KIND', 'CREATED', 'REVOKED'],
      tokens.map((token) => [
        token.id,
        ...(all ? [handles.get(token.member_id) ?? token.member_id] : []),
        token.name,
        token.kind,
        token.created_at,
        token.revoked_at ?? '-',
      ]),
    );
  },
};

const revoke: Command = {
  name: 'token revoke',
  summary: 'Revoke a token; connections using it are closed at once',
  args: ['ID'],
  examples: ['roundtable token revoke t_3kq8Zb1xVw2d'],
  async run(context, { args }) {
    const id = args[0]!;
    const { token } = await progress(
      'revoking',
      context.api().delete<{ token: ApiToken }>(`/api/v1/tokens/${encodeURIComponent(id)}`),
    );
    if (context.json) return printJson({ token });
    print(`revoked ${token.id} (${token.name})`);
  },
};

export const tokenCommands: Command[] = [create, list, revoke];

/** Mints the token through the hub's own createToken, offline (see offline.ts). */
async function recoverAdminToken(context: Context, path: string, handle: string, name: string): Promise<void> {
  await withOfflineHub(path, async (hub, store) => {
    const member = await store.memberByHandle(handle);
    if (!member) throw new RoundtableError('member_not_found', `No member @${handle} in ${path}.`);
    if (member.role !== 'admin') throw new RoundtableError('admin_only', `@${handle} is not an admin.`);
    if (member.disabled)
      throw new RoundtableError('member_disabled', `@${handle} is disabled; a token would not work.`);
    const created = await hub.accounts.createToken(member, { name });
    showSecret(context, created, `Created token ${created.record.id} for @${handle} in ${path}.`);
  });
}

/** The secret goes alone on stdout, so `$(roundtable token create)` captures just it. */
function showSecret(context: Context, created: { token: string; record: ApiToken }, what: string): void {
  if (context.json) return printJson(created);
  print(created.token);
  warn(`${what} It is shown this once and cannot be retrieved later: store it now.`);
}
