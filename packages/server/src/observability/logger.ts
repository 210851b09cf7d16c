/** JSON logs (pino) with tokens scrubbed from every line, wherever they appear; as text for a terminal. */
import { pino, type Logger } from 'pino';
import { textLine } from './log-text.js';

/**
 * A token, also when percent-encoded in part or whole (`rt%5F…`, `%72%74_…`): what a decoder would
 * turn into one, wherever it stands (after an escape like `\n` too). Tokens are random, so one
 * without a digit or a capital among its first characters is a word (`heart_beat_interval`) instead.
 */
const TOKEN =
  /(?:r|%72)(?:t|%74)(?:_|%5[fF])(?=(?:[a-z_-]|%[0-9a-fA-F]{2}){0,15}[A-Z0-9])(?:[A-Za-z0-9_-]|%[0-9a-fA-F]{2}){16,}/g;
/** Query keys whose values are credentials, whatever they hold. */
const CREDENTIAL_KEYS = new Set(['token', 'access_token', 'api_key', 'apikey', 'key', 'password', 'secret']);

export function redactTokens(text: string): string {
  return text.replace(TOKEN, 'rt_[redacted]');
}

/** Percent-decoding that never gives up: a malformed escape stays as it is, and the valid ones around it are decoded. */
function decode(text: string): string {
  return text.replaceAll('+', ' ').replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%[0-9a-f]{2}/gi, (one) => {
        const code = Number.parseInt(one.slice(1), 16);
        return code < 0x80 ? String.fromCharCode(code) : one;
      });
    }
  });
}

/**
 * A request URL as it may be logged: the path and each query key decoded (as the router and the
 * query parser decode them), credential keys' values and anything shaped like a token replaced.
 * Any route takes `?token=`, so no query string is logged as it came.
 */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  const path = redactTokens(decode(at === -1 ? url : url.slice(0, at)));
  if (at === -1) return path;
  const query = url
    .slice(at + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const key = decode(equals === -1 ? pair : pair.slice(0, equals));
      if (equals === -1) return redactTokens(key);
      const value = CREDENTIAL_KEYS.has(key.toLowerCase())
        ? '[redacted]'
        : redactTokens(decode(pair.slice(equals + 1)));
      return `${redactTokens(key)}=${value}`;
    });
  return `${path}?${query.join('&')}`;
}

/** `json` for collectors; `text` for a person at a terminal (log-text.ts). */
export type LogFormat = 'json' | 'text';

export function createLogger(
  level: string,
  write: (line: string) => void = (line) => process.stdout.write(line),
  format: LogFormat = 'json',
): Logger {
  return pino(
    {
      level,
      redact: {
        paths: ['req.headers.authorization', '*.token', 'token', 'password', '*.password'],
        censor: '[redacted]',
      },
      serializers: {
        req(request: { method: string; url: string; ip?: string }) {
          return { method: request.method, url: loggableUrl(request.url), ip: request.ip };
        },
      },
    },
    // The last line of defence: a token that reached a log line by any path is cut out here.
    { write: (line: string) => write(format === 'text' ? textLine(redactTokens(line)) : redactTokens(line)) },
  );
}
