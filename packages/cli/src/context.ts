/** What every command runs with: the global options resolved against the environment, and REST clients built from them. */
import { RestClient, RoundtableError } from '@roundtable/client';
import type { Values } from './options.js';
import { CliError } from './errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:8004';

export class Context {
  readonly url: string;
  readonly json: boolean;
  readonly env: NodeJS.ProcessEnv;
  private readonly token: string | undefined;

  constructor(values: Values, env: NodeJS.ProcessEnv) {
    this.env = env;
    this.url = stringValue(values.url) ?? (env.ROUNDTABLE_URL || DEFAULT_URL);
    this.token = stringValue(values.token) ?? (env.ROUNDTABLE_TOKEN || undefined);
    this.json = values.json === true;
  }

  /** Checked here rather than by the hub, so the error can say where a token comes from. */
  requireToken(): string {
    if (this.token) return this.token;
    throw new RoundtableError(
      'auth_required',
      'No token: pass --token or set ROUNDTABLE_TOKEN (roundtable login prints one).',
    );
  }

  /** A REST client with the token. */
  api(): RestClient {
    return new RestClient({ url: this.url, token: this.requireToken(), fetch: this.fetch });
  }

  /** A REST client without a token, for register and login. */
  anonymousApi(): RestClient {
    return new RestClient({ url: this.url, fetch: this.fetch });
  }

  /** fetch rejects with a bare "fetch failed" when nothing listens; this says which hub and why. */
  private readonly fetch: typeof globalThis.fetch = async (input, init) => {
    try {
      return await globalThis.fetch(input, init);
    } catch (cause) {
      throw new CliError(`cannot reach the hub at ${this.url} (${networkReason(cause)}); is it running?`, { cause });
    }
  };
}

function stringValue(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Node's fetch hides the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
