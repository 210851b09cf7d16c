/** The failures the CLI detects itself, each mapped by main.ts to its own exit status. */
import type { Command } from './command.js';

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

/** A failure found on this side of the wire (no hub, no such file, passwords that differ): exit status 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Ctrl-C at a prompt, where the terminal is in raw mode and no SIGINT is raised: exit status 130, as a shell does. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';

  constructor() {
    super('interrupted');
  }
}
