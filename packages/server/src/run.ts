/** Runs the hub in the foreground until SIGTERM or SIGINT: what `npm start` and `roundtable serve` both do. */
import type { Config } from './config.js';
import { startServer, type RunningServer } from './server.js';

export function startupBanner(
  server: Pick<RunningServer, 'url' | 'adminToken' | 'setupCode'>,
  databasePath: string,
): string {
  const lines = [
    `Roundtable is listening on ${server.url}`,
    `  WebSocket: ${server.url.replace(/^http/, 'ws')}/ws   API docs: ${server.url}/docs`,
  ];
  if (server.adminToken) {
    lines.push(
      '',
      'First start: created the admin @admin and the room #general.',
      'Open this link to choose the admin’s password (it works once, for 1 hour):',
      '',
      `  ${server.url}/setup#${server.setupCode ?? ''}`,
      '',
      'For scripts and the API, the admin token (shown this once; keep it safe):',
      '',
      `  ${server.adminToken}`,
      '',
      `A new setup link: npx roundtable setup-link --db ${databasePath} --url ${server.url}`,
    );
  }
  return lines.join('\n');
}

/**
 * Starts the hub, prints the banner on stderr, and on the first SIGTERM or SIGINT drains it.
 * Resolves with the exit code: 0 after a clean stop, 1 when the stop failed or outlasted the grace time.
 */
export async function runUntilSignalled(config: Config): Promise<number> {
  const server = await startServer(config);
  process.stderr.write(`${startupBanner(server, config.databasePath)}\n`);
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  server.app.log.info({ signal }, 'shutting down');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      server.app.log.error({ graceMs: config.shutdownGraceMs }, 'shutdown took too long; exiting anyway');
      resolve(1);
    }, config.shutdownGraceMs);
  });
  const closed = server.close().then(
    () => 0,
    (error: unknown) => {
      server.app.log.error({ err: error }, 'shutdown failed');
      return 1;
    },
  );
  const code = await Promise.race([closed, timeout]);
  clearTimeout(timer);
  return code;
}
