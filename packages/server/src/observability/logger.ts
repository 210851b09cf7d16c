/** JSON logs (pino) with tokens scrubbed from every line, wherever they appear. */
import { pino, type Logger } from 'pino';

const TOKEN = /rt_[A-Za-z0-9_-]{16,}/g;

export function redactTokens(text: string): string {
  return text.replace(TOKEN, 'rt_[redacted]');
}

export function createLogger(
  level: string,
  write: (line: string) => void = (line) => process.stdout.write(line),
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
          return {
            method: request.method,
            url: redactTokens(request.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]')),
            ip: request.ip,
          };
        },
      },
    },
    // The last line of defence: a token that reached a log line by any path is cut out here.
    { write: (line: string) => write(redactTokens(line)) },
  );
}
