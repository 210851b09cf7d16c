/** Options as data: what each one takes and how help describes it, and the options every command accepts. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** The placeholder help shows after a string option, e.g. `PORT` in `--port PORT`. */
  value?: string;
  description: string;
}

export type Values = Record<string, string | boolean | undefined>;

export const GLOBAL_OPTIONS = {
  url: { type: 'string', value: 'URL', description: 'The hub (default: $ROUNDTABLE_URL, else http://127.0.0.1:8004)' },
  token: { type: 'string', value: 'TOKEN', description: 'Your API token (default: $ROUNDTABLE_TOKEN)' },
  json: { type: 'boolean', description: 'Machine-readable output: JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'Show help; after a command, that command’s help' },
  version: { type: 'boolean', description: 'Print the version' },
} satisfies Record<string, OptionSpec>;
