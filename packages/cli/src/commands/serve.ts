/** `roundtable serve`: runs the hub in this process, as `npm start` does, with --host, --port and --db over the environment. */
import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { CliError } from '../errors.js';

export const serveCommands: Command[] = [
  {
    name: 'serve',
    summary: 'Run the hub in this process until SIGTERM or Ctrl-C',
    description: [
      'Settings come from the environment exactly as for `npm start` (docs/operations.md lists them);',
      '--host, --port and --db override HOST, PORT and DATABASE_PATH. On the very first start of an',
      'empty database the hub creates @admin and prints its token once. SIGTERM or Ctrl-C drains',
      'connections and closes the database before exiting.',
    ].join('\n'),
    options: {
      host: { type: 'string', value: 'HOST', description: 'Interface to listen on (default: $HOST, else 127.0.0.1)' },
      port: {
        type: 'string',
        value: 'PORT',
        description: 'Port to listen on; 0 picks a free one (default: $PORT, else 8004)',
      },
      db: {
        type: 'string',
        value: 'PATH',
        description: 'SQLite database file (default: $DATABASE_PATH, else ./data/roundtable.db)',
      },
    },
    examples: [
      'roundtable serve',
      'roundtable serve --host 0.0.0.0 --port 8080 --db /var/lib/roundtable/roundtable.db',
      'LOG_LEVEL=warn OPEN_REGISTRATION=false roundtable serve',
    ],
    async run(context, { values }) {
      // Imported here, not at the top: the server pulls in Fastify and SQLite, which every other command does without.
      const { loadConfig, runUntilSignalled } = await import('@roundtable/server');
      const overrides: Record<string, string> = {};
      const host = stringOption(values, 'host');
      const port = stringOption(values, 'port');
      const db = stringOption(values, 'db');
      if (host !== undefined) overrides.HOST = host;
      if (port !== undefined) overrides.PORT = port;
      if (db !== undefined) overrides.DATABASE_PATH = db;
      let code: number;
      try {
        code = await runUntilSignalled(loadConfig({ ...context.env, ...overrides }));
      } catch (cause) {
        throw new CliError(`Roundtable could not start: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
        });
      }
      if (code !== 0) process.exitCode = code;
    },
  },
];
