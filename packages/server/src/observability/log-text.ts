/**
 * Log lines for a person at a terminal: `10:31:44 INFO  listening url=http://127.0.0.1:8004`. The
 * logger writes JSON (what log collectors read); on a terminal, or with LOG_FORMAT=text, each
 * line is turned into this, after tokens were cut out of it.
 */
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
/** Fields every line carries, shown in their own place or not at all. */
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

export function textLine(json: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(json);
  } catch {
    return json;
  }
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return json;
  const fields = entry as Record<string, unknown>;
  const time = typeof fields.time === 'number' ? new Date(fields.time).toTimeString().slice(0, 8) : '--:--:--';
  const level = (typeof fields.level === 'number' && LEVELS[fields.level]) || 'LOG';
  const parts = [time, level.padEnd(5)];
  if (typeof fields.msg === 'string' && fields.msg !== '') parts.push(fields.msg);
  const stack: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (OWN.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const error = value as { message?: unknown; stack?: unknown };
      parts.push(`err=${quoted(String(error.message ?? ''))}`);
      // A failure's stack is what a person needs to act on it; a warning's message is enough.
      if (typeof error.stack === 'string' && typeof fields.level === 'number' && fields.level >= 50) {
        stack.push(
          ...error.stack
            .split('\n')
            .slice(1)
            .map((line) => `    ${line.trim()}`),
        );
      }
      continue;
    }
    parts.push(...flat(key, value, 0));
  }
  return `${[parts.join(' '), ...stack].join('\n')}\n`;
}

/** `req.method=GET req.url=/x`: nested fields under their parent's name, two levels at most. */
function flat(key: string, value: unknown, depth: number): string[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && depth < 2) {
    return Object.entries(value).flatMap(([inner, nested]) => flat(`${key}.${inner}`, nested, depth + 1));
  }
  // Durations come with float noise (7.14334000000008): two decimals say as much to a reader.
  if (typeof value === 'number' && !Number.isInteger(value)) return [`${key}=${Math.round(value * 100) / 100}`];
  return [`${key}=${quoted(typeof value === 'string' ? value : JSON.stringify(value))}`];
}

function quoted(text: string): string {
  return /[\s"=]/.test(text) || text === '' ? JSON.stringify(text) : text;
}
