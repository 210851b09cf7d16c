/** `npm start`: reads the environment, starts the hub, and drains it on SIGTERM or SIGINT. */
import { loadConfig } from './config.js';
import { startServer } from './server.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config);
  const lines = [
    `Roundtable is listening on ${server.url}`,
    `  WebSocket: ${server.url.replace(/^http/, 'ws')}/ws   API docs: ${server.url}/docs`,
  ];
  if (server.adminToken) {
    lines.push(
      '',
      'First start: created the admin member @admin and the room #general.',
      'The admin token is shown this once; keep it somewhere safe:',
      '',
      `  ${server.adminToken}`,
      '',
      `Use it as: export ROUNDTABLE_URL=${server.url} ROUNDTABLE_TOKEN=<the token above>`,
      'Lost it? Stop the hub and run: npx roundtable token create --admin --db ' + config.databasePath,
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), config.shutdownGraceMs);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Roundtable could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
