/** The `roundtable` entry point: picks the command, runs it, and turns every failure into a message and an exit status. */
import { readFileSync } from 'node:fs';
import { ClientClosedError, RoundtableError, TimeoutError } from '@roundtable/client';
import { UsageError, parseCommandLine, type Command } from './command.js';
import { accountCommands } from './commands/account.js';
import { agentCommands } from './commands/agents.js';
import { dumpCommands } from './commands/dump.js';
import { mcpCommands } from './commands/mcp.js';
import { memberCommands } from './commands/members.js';
import { roomCommands } from './commands/rooms.js';
import { sendCommands } from './commands/send.js';
import { serveCommands } from './commands/serve.js';
import { setupLinkCommands } from './commands/setup-link.js';
import { tailCommands } from './commands/tail.js';
import { taskCommands } from './commands/tasks.js';
import { tokenCommands } from './commands/token.js';
import { Context } from './context.js';
import { CliError, InterruptedError } from './errors.js';
import { commandHelp, globalHelp, groupHelp, usageLine } from './help.js';
import { spinner } from './progress.js';

/** In the order the global help lists them. */
const COMMANDS: readonly Command[] = [
  ...serveCommands,
  ...setupLinkCommands,
  ...sendCommands,
  ...tailCommands,
  ...taskCommands,
  ...agentCommands,
  ...mcpCommands,
  ...roomCommands,
  ...memberCommands,
  ...tokenCommands,
  ...accountCommands,
  ...dumpCommands,
];

const Exit = { Ok: 0, Failure: 1, Usage: 2, Interrupted: 130 } as const;

/** Read at run time: src/ and dist/ both sit one level below the package root. */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseCommandLine(argv, COMMANDS);
  if (parsed.kind === 'help') {
    if (parsed.command) process.stdout.write(`${commandHelp(parsed.command, COMMANDS)}\n`);
    else if (parsed.group) process.stdout.write(`${groupHelp(COMMANDS, parsed.group)}\n`);
    else process.stdout.write(`${globalHelp(COMMANDS, version())}\n`);
    return Exit.Ok;
  }
  if (parsed.kind === 'global') {
    if (parsed.values.version) {
      process.stdout.write(`${version()}\n`);
      return Exit.Ok;
    }
    process.stderr.write(`${globalHelp(COMMANDS, version())}\n`);
    return Exit.Usage;
  }
  await parsed.command.run(new Context(parsed.values, process.env), { values: parsed.values, args: parsed.args });
  return Exit.Ok;
}

function report(error: unknown): number {
  spinner.stop();
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    if (error.command)
      process.stderr.write(`usage: ${usageLine(error.command)}\n(see "roundtable ${error.command.name} --help")\n`);
    else process.stderr.write(`(see "roundtable ${error.group ? `${error.group} ` : ''}--help")\n`);
    return Exit.Usage;
  }
  if (error instanceof InterruptedError) return Exit.Interrupted;
  if (error instanceof RoundtableError) {
    process.stderr.write(`error: ${error.code}: ${error.message}\n`);
    return Exit.Failure;
  }
  if (error instanceof CliError || error instanceof TimeoutError || error instanceof ClientClosedError) {
    process.stderr.write(`error: ${error.message}\n`);
    return Exit.Failure;
  }
  // Anything else is a bug in the CLI: the stack is what a bug report needs.
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return Exit.Failure;
}

// Exiting explicitly: idle keep-alive sockets of fetch would otherwise hold the process open for a few seconds.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
