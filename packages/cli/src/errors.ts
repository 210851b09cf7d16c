/**
 * Failures the CLI detects on its own side, each mapped by main.ts to its own exit status. Wrong
 * command-line input is command.ts's UsageError, next to the parsing that finds it.
 */
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
