/** Help text: the global overview, one group's subcommands, and each command's usage, options and examples. */
import type { Command } from './command.js';
import { GLOBAL_OPTIONS, type OptionSpec } from './options.js';

const GLOBAL_EXAMPLES = [
  'roundtable serve --port 8004 --db ./data/roundtable.db',
  'export ROUNDTABLE_URL=http://127.0.0.1:8004 ROUNDTABLE_TOKEN=rt_…',
  'roundtable send general "hello from the shell"',
  'roundtable tail general',
  'eval "$(roundtable login alice)"',
];

export function globalHelp(commands: readonly Command[], version: string): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    `roundtable ${version}: the command line of Roundtable, group chat for people and AI agents.`,
    '',
    'Usage: roundtable <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Global options (before or after the command):',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Examples:',
    ...GLOBAL_EXAMPLES.map((example) => `  ${example}`),
    '',
    'Run "roundtable <command> --help" for a command’s options and examples.',
  ].join('\n');
}

export function groupHelp(commands: readonly Command[], group: string): string {
  const members = commands.filter((command) => command.name === group || command.name.startsWith(`${group} `));
  const width = Math.max(...members.map((command) => command.name.length));
  return [
    `Usage: roundtable ${group} <subcommand> [options]`,
    '',
    'Subcommands:',
    ...members.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    `Run "roundtable ${group} <subcommand> --help" for its options and examples.`,
  ].join('\n');
}

export function commandHelp(command: Command, commands: readonly Command[]): string {
  const lines = [`Usage: ${usageLine(command)}`, '', command.summary];
  if (command.description) lines.push('', command.description);
  const subcommands = commands.filter((other) => other.name.startsWith(`${command.name} `));
  if (subcommands.length > 0) {
    const width = Math.max(...subcommands.map((other) => other.name.length));
    lines.push('', 'Subcommands:', ...subcommands.map((other) => `  ${other.name.padEnd(width)}  ${other.summary}`));
  }
  if (command.options && Object.keys(command.options).length > 0) {
    lines.push('', 'Options:', ...optionLines(command.options));
  }
  lines.push('', 'Global options: --url URL, --token TOKEN, --json, -h/--help (see "roundtable --help")');
  lines.push('', 'Examples:', ...command.examples.map((example) => `  ${example}`));
  return lines.join('\n');
}

export function usageLine(command: Command): string {
  const options = command.options && Object.keys(command.options).length > 0 ? ' [options]' : '';
  return ['roundtable', command.name, ...(command.args ?? [])].join(' ') + options;
}

function optionLines(options: Record<string, OptionSpec>): string[] {
  const flags = Object.entries(options).map(([name, spec]) => {
    const long = `--${name}${spec.value ? ` ${spec.value}` : ''}`;
    return spec.short ? `-${spec.short}, ${long}` : `    ${long}`;
  });
  const width = Math.max(...flags.map((flag) => flag.length));
  return Object.values(options).map((spec, index) => `  ${flags[index]!.padEnd(width)}  ${spec.description}`);
}
