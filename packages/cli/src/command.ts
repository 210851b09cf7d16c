/** Commands as data (name, arguments, options, examples, run) and the argv parsing that picks one and checks its input. */
import { parseArgs } from 'node:util';
import type { Context } from './context.js';
import { GLOBAL_OPTIONS, type OptionSpec, type Values } from './options.js';

export interface Input {
  values: Values;
  /** Positional arguments after the command's own words. */
  args: string[];
}

export interface Command {
  /** One word, or a group and a subcommand: `send`, `rooms create`. */
  name: string;
  /** One line, for the command list. */
  summary: string;
  /** A longer explanation shown in the command's own help. */
  description?: string;
  /** Positional arguments as help shows them: `ROOM` is required, `[SEQ]` optional, `MESSAGE...` takes the rest. */
  args?: string[];
  options?: Record<string, OptionSpec>;
  examples: string[];
  run(context: Context, input: Input): Promise<void>;
}

/** Wrong command-line input: reported with the command's usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose usage is shown; absent when no command could be told apart. */
  readonly command: Command | undefined;
  /** Without a command: the group whose help to point at, e.g. `token`. */
  readonly group: string | undefined;

  constructor(message: string, command?: Command, group?: string) {
    super(message);
    this.command = command;
    this.group = group;
  }
}

/** Global options that take a value: the word after them is not a command word. */
const GLOBAL_VALUE_FLAGS = new Set(['--url', '--token']);

export type Parsed =
  | { kind: 'command'; command: Command; values: Values; args: string[] }
  | { kind: 'help'; command: Command | undefined; group: string | undefined }
  | { kind: 'global'; values: Values };

/**
 * Finds the command in `argv` (global options may come before it), then parses the rest with the
 * global options and the command's own. `roundtable help rooms create` is the same as `--help`.
 */
export function parseCommandLine(argv: string[], commands: readonly Command[]): Parsed {
  const words = commandWords(argv);
  if (words.length > 0 && argv[words[0]!] === 'help') {
    const [group, sub] = words.slice(1).map((index) => argv[index]!);
    if (group === undefined) return { kind: 'help', command: undefined, group: undefined };
    const found = lookup(commands, group, sub);
    return { kind: 'help', command: found?.command, group: found ? undefined : groupOf(commands, group) };
  }
  if (words.length === 0) {
    const values = parse(argv, GLOBAL_OPTIONS, undefined).values;
    return values.help ? { kind: 'help', command: undefined, group: undefined } : { kind: 'global', values };
  }
  const first = argv[words[0]!]!;
  const second = words[1] === undefined ? undefined : argv[words[1]];
  const found = lookup(commands, first, second);
  if (!found) {
    const group = groupOf(commands, first);
    if (group === undefined) throw new UsageError(`unknown command "${first}"`);
    const names = commands.filter((command) => command.name.startsWith(`${group} `)).map((command) => command.name);
    if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', command: undefined, group };
    const problem = second === undefined ? 'needs a subcommand' : `has no subcommand "${second}"`;
    const subcommands = names.map((name) => name.split(' ')[1]).join(', ');
    throw new UsageError(`roundtable ${group} ${problem}: ${subcommands}`, undefined, group);
  }
  const used = new Set(words.slice(0, found.words));
  const rest = argv.filter((_, index) => !used.has(index));
  const { command } = found;
  const { values, positionals } = parse(rest, { ...GLOBAL_OPTIONS, ...command.options }, command);
  if (values.help) return { kind: 'help', command, group: undefined };
  checkArgs(command, positionals);
  return { kind: 'command', command, values, args: positionals };
}

/** Indices of the first two words that are neither options nor the values of global options. */
function commandWords(argv: string[]): number[] {
  const words: number[] = [];
  for (let index = 0; index < argv.length && words.length < 2; index++) {
    const arg = argv[index]!;
    if (arg === '--') break;
    if (arg.startsWith('-') && arg !== '-') {
      if (GLOBAL_VALUE_FLAGS.has(arg)) index++;
      continue;
    }
    words.push(index);
  }
  return words;
}

function lookup(
  commands: readonly Command[],
  first: string,
  second: string | undefined,
): { command: Command; words: number } | undefined {
  const pair = second === undefined ? undefined : commands.find((command) => command.name === `${first} ${second}`);
  if (pair) return { command: pair, words: 2 };
  const single = commands.find((command) => command.name === first);
  return single ? { command: single, words: 1 } : undefined;
}

function groupOf(commands: readonly Command[], word: string): string | undefined {
  return commands.some((command) => command.name.startsWith(`${word} `)) ? word : undefined;
}

function parse(
  args: string[],
  options: Record<string, OptionSpec>,
  command: Command | undefined,
): { values: Values; positionals: string[] } {
  const config = Object.fromEntries(
    Object.entries(options).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({ args, options: config, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), command);
  }
}

function checkArgs(command: Command, args: string[]): void {
  const spec = command.args ?? [];
  const required = spec.filter((name) => !name.startsWith('['));
  const variadic = spec.some((name) => name.endsWith('...'));
  if (args.length < required.length) throw new UsageError(`missing ${required[args.length]}`, command);
  if (!variadic && args.length > spec.length)
    throw new UsageError(`unexpected argument "${args[spec.length]}"`, command);
}

/** Reads an integer option; `undefined` when it was not given. */
export function intOption(values: Values, name: string, command: Command, min = 0): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${raw}"`, command);
  }
  return value;
}

export function stringOption(values: Values, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** `a, b,c` → `['a', 'b', 'c']`. */
export function listOption(values: Values, name: string): string[] | undefined {
  const raw = stringOption(values, name);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Handles may be written with their `@`, as they appear in messages. */
export function handleArg(arg: string): string {
  return arg.replace(/^@/, '');
}

/** Channels may be written with their `#`, as a shell user is used to from chat. */
export function roomArg(arg: string): string {
  return arg.replace(/^#/, '');
}
