/** `roundtable setup-link`: a new one-time link to set an admin's password in the web UI, written offline. */
import { RoundtableError } from '@roundtable/client';
import { handleArg, stringOption, type Command } from '../command.js';
import { print, printJson, warn } from '../output.js';
import { withOfflineHub } from './offline.js';

/** Where the hub keeps its database unless DATABASE_PATH says otherwise (the hub's own default). */
const DEFAULT_DB = './data/roundtable.db';

const setupLink: Command = {
  name: 'setup-link',
  summary: 'Print a new one-time link to set the admin’s password in the web UI (offline, like token recovery)',
  description: [
    'Opens the hub’s SQLite database itself, without a token, and writes a new setup code for an',
    'admin (--handle, default admin); older setup links stop working. The link is printed alone on',
    'stdout. Opening it in a browser asks for a new password and signs the admin in. It works once,',
    'within 1 hour. Safe while the hub runs (the database is in WAL mode).',
  ].join('\n'),
  options: {
    db: {
      type: 'string',
      value: 'PATH',
      description: `The hub’s SQLite database (default: $DATABASE_PATH, else ${DEFAULT_DB})`,
    },
    handle: { type: 'string', value: 'HANDLE', description: 'The admin member (default: admin)' },
  },
  examples: [
    'roundtable setup-link',
    'roundtable setup-link --db /var/lib/roundtable/roundtable.db --url https://chat.example.org',
  ],
  async run(context, { values }) {
    const path = stringOption(values, 'db') ?? (context.env.DATABASE_PATH || DEFAULT_DB);
    const handle = handleArg(stringOption(values, 'handle') ?? 'admin');
    const issued = await withOfflineHub(path, async (hub, store) => {
      // Checked here, as token recovery does, so the message names the database that was looked in.
      const member = await store.memberByHandle(handle);
      if (!member) throw new RoundtableError('member_not_found', `No member @${handle} in ${path}.`);
      if (member.role !== 'admin') throw new RoundtableError('admin_only', `@${handle} is not an admin.`);
      if (member.disabled) throw new RoundtableError('member_disabled', `@${handle} is disabled.`);
      return hub.codes.setupCode(handle);
    });
    const link = `${context.url.replace(/\/+$/, '')}/setup#${issued.code}`;
    if (context.json) return printJson({ link, expires_at: issued.expires_at });
    print(link);
    warn(
      `Open it to set @${handle}’s password; it works once, until ${issued.expires_at}. Older setup links no longer work.`,
    );
  },
};

export const setupLinkCommands: Command[] = [setupLink];
