/** Log lines as a person at a terminal reads them (LOG_FORMAT=text), tokens still cut out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../src/observability/logger.js';
import { textLine } from '../src/observability/log-text.js';

const at = Date.UTC(2030, 0, 1, 9, 30, 5);
const clock = new Date(at).toTimeString().slice(0, 8);

test('a line is the time, the level and the message, then its fields, nested ones under their parent', () => {
  const line = textLine(
    JSON.stringify({
      level: 30,
      time: at,
      pid: 1,
      hostname: 'h',
      msg: 'request completed',
      req: { method: 'GET', url: '/api/v1/me' },
      ms: 7.14334000000008,
    }),
  );
  assert.equal(line, `${clock} INFO  request completed req.method=GET req.url=/api/v1/me ms=7.14\n`);
  assert.equal(
    textLine(JSON.stringify({ level: 40, time: at, msg: 'slow', room: 'two words', tags: ['a'] })),
    `${clock} WARN  slow room="two words" tags="[\\"a\\"]"\n`,
  );
});

test('an error shows its message, and a failure its stack below it', () => {
  const err = { type: 'Error', message: 'disk full', stack: 'Error: disk full\n    at write (store.js:1:1)' };
  assert.equal(
    textLine(JSON.stringify({ level: 40, time: at, msg: 'retrying', err })),
    `${clock} WARN  retrying err="disk full"\n`,
  );
  assert.equal(
    textLine(JSON.stringify({ level: 50, time: at, msg: 'commit failed', err })),
    `${clock} ERROR commit failed err="disk full"\n    at write (store.js:1:1)\n`,
  );
});

test('what is not a log object is written as it came', () => {
  for (const odd of ['not json\n', '[1,2]', 'null']) assert.equal(textLine(odd), odd);
});

test('a text logger still cuts tokens out of every line', () => {
  const lines: string[] = [];
  const token = `rt_${'A1b2C3d4E5f6G7h8'.repeat(2)}`;
  const logger = createLogger('info', (line) => lines.push(line), 'text');
  logger.info({ header: `Bearer ${token}` }, `saw ${token}`);
  assert.equal(lines.length, 1);
  assert.ok(!lines[0]!.includes(token), lines[0]);
  assert.match(lines[0]!, / INFO {2}saw rt_\[redacted\] header="Bearer rt_\[redacted\]"\n$/);
});
