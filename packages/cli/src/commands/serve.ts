/** `roundtable serve`: runs the hub in this process, as `npm start` does, with --host, --port and --db over the environment. */
import type { Command } from '../command.js';
import { stringOption } from '../command.js';
import { CliError } from '../errors.js';
import { progress } from '../progress.js';

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
      const { loadConfig, startServer } = await import('@roundtable/server');
      const overrides: Record<string, string> = {};
      const host = stringOption(values, 'host');
      const port = stringOption(values, 'port');
      const db = stringOption(values, 'db');
      if (host !== undefined) overrides.HOST = host;
      if (port !== undefined) overrides.PORT = port;
      if (db !== undefined) overrides.DATABASE_PATH = db;
      let config: ReturnType<typeof loadConfig>;
      let server: Awaited<ReturnType<typeof startServer>>;
      try {
        config = loadConfig({ ...context.env, ...overrides });
        server = await progress('starting the hub', startServer(config));
      } catch (cause) {
        throw new CliError(`Roundtable could not start: ${cause instanceof Error ? cause.message : String(cause)}`, {
          cause,
        });
      }
      process.stderr.write(`${banner(server.url, server.adminToken, config.databasePath)}\n`);

      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGTERM', () => resolve('SIGTERM'));
        process.once('SIGINT', () => resolve('SIGINT'));
      });
      server.app.log.info({ signal }, 'shutting down');
      // A connection that will not drain must not keep the process up past the grace period.
      const force = setTimeout(() => {
        process.stderr.write(`Roundtable did not stop within ${config.shutdownGraceMs} ms; exiting anyway\n`);
        process.exit(1);
      }, config.shutdownGraceMs);
      force.unref();
      await server.close();
    },
  },
];

/** The text packages/server/src/main.ts prints for `npm start`, kept equal by hand: the server package does not export it. */
function banner(url: string, adminToken: string | undefined, databasePath: string): string {
  const lines = [
    `Roundtable is listening on ${url}`,
    `  WebSocket: ${url.replace(/^http/, 'ws')}/ws   API docs: ${url}/docs`,
  ];
  if (adminToken) {
    lines.push(
      '',
      'First start: created the admin member @admin and the room #general.',
      'The admin token is shown this once; keep it somewhere safe:',
      '',
      `  ${adminToken}`,
      '',
      `Use it as: export ROUNDTABLE_URL=${url} ROUNDTABLE_TOKEN=<the token above>`,
      'Lost it? Stop the hub and run: npx roundtable token create --admin --db ' + databasePath,
    );
  }
  return lines.join('\n');
}
