/**
 * Keeps docs/protocol.md from falling behind the protocol package: every request type has its own
 * section, every server frame type its own section, every event kind a row, and the limits and the
 * version it states are the package's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  EventKind,
  Limits,
  PROTOCOL_VERSION,
  REQUEST_TYPES,
  WEGENT_CLIENT_EVENTS,
  type ServerFrame,
  type WegentServerEvents,
} from '@roundtable/protocol';

/**
 * Every server frame type. ServerFrame is a type only, so the list is written out; the check below
 * fails the type-check (`npm run typecheck`) when a frame is added to the union but not here.
 */
const SERVER_FRAME_TYPES = [
  'ready',
  'event',
  'synced',
  'ack',
  'error',
  'stream.delta',
  'stream.part',
  'typing',
  'activity',
  'presence',
  'read',
  'task.assigned',
  'task.lease',
  'receipt',
  'notice',
] as const satisfies readonly ServerFrame['type'][];
type Unlisted = Exclude<ServerFrame['type'], (typeof SERVER_FRAME_TYPES)[number]>;
const everyFrameListed: [Unlisted] extends [never] ? true : Unlisted = true;

const doc = readFileSync(join(import.meta.dirname, '..', '..', '..', 'docs', 'protocol.md'), 'utf8');

interface Heading {
  level: number;
  text: string;
  line: number;
}

/** Markdown headings outside fenced code blocks (the sample session has `#` comment lines). */
function headings(markdown: string): Heading[] {
  const found: Heading[] = [];
  let fenced = false;
  markdown.split('\n').forEach((line, index) => {
    if (line.trimStart().startsWith('```')) fenced = !fenced;
    if (fenced) return;
    const match = /^(#{1,6})\s+(.+?)\s*$/.exec(line);
    if (match) found.push({ level: match[1]!.length, text: match[2]!, line: index });
  });
  return found;
}

const all = headings(doc);
const lines = doc.split('\n');

/** The level-2 section whose title starts with `title`, as its headings and its text. */
function section(title: string): { headings: Heading[]; text: string } {
  const start = all.findIndex((heading) => heading.level === 2 && heading.text.startsWith(title));
  assert.ok(start >= 0, `docs/protocol.md has no section "## ${title}"`);
  const next = all.findIndex((heading, index) => index > start && heading.level <= 2);
  const end = next < 0 ? lines.length : all[next]!.line;
  return {
    headings: all.slice(start + 1, next < 0 ? undefined : next),
    text: lines.slice(all[start]!.line, end).join('\n'),
  };
}

/** Names of the headings that consist of one `code` name, such as "#### `room.create`". */
function namedHeadings(list: Heading[]): string[] {
  return list.flatMap((heading) => {
    const match = /^`([^`]+)`$/.exec(heading.text);
    return match ? [match[1]!] : [];
  });
}

test('the document states the protocol version of the package in its title', () => {
  const title = all.find((heading) => heading.level === 1);
  assert.ok(title, 'docs/protocol.md has a title');
  assert.match(title.text, new RegExp(`version ${PROTOCOL_VERSION}$`));
});

test('every request type has its own section under "Requests and answers", and no other request is documented', () => {
  const documented = namedHeadings(section('3. Requests and answers').headings);
  assert.equal(new Set(documented).size, documented.length, 'a request type has two sections');
  assert.deepEqual([...documented].sort(), [...REQUEST_TYPES].sort());
});

test('every server frame type has its own section under "Server frames", and no other frame is documented', () => {
  assert.equal(everyFrameListed, true);
  const documented = namedHeadings(section('4. Server frames').headings);
  assert.equal(new Set(documented).size, documented.length, 'a server frame has two sections');
  assert.deepEqual([...documented].sort(), [...SERVER_FRAME_TYPES].sort());
});

test('every event kind has a row with its data in the event table', () => {
  const { text } = section('4. Server frames');
  const missing = EventKind.options.filter((kind) => !text.includes(`\n| \`${kind}\` |`));
  assert.deepEqual(missing, [], 'event kinds without a row in the table of the `event` frame');
});

test('the limits the document gives for the ready frame are the shared limits of the package', () => {
  const { text } = section('2. Connecting and authenticating');
  const wrong = Object.entries(Limits).filter(([name, value]) => !text.includes(`\`${name}\` ${value}`));
  assert.deepEqual(wrong, [], 'limits missing from, or stated wrongly in, the `ready` table');
});

/** Every server event of the Wegent dialect, written out as SERVER_FRAME_TYPES is, and checked the same way. */
const WEGENT_SERVER_EVENTS = [
  'ready',
  'ack',
  'error',
  'chat:message',
  'chat:start',
  'chat:chunk',
  'chat:done',
  'chat:error',
  'chat:cancelled',
  'history:sync',
  'task:created',
  'task:status',
] as const satisfies readonly (keyof WegentServerEvents)[];
type UnlistedEvent = Exclude<keyof WegentServerEvents, (typeof WEGENT_SERVER_EVENTS)[number]>;
const everyEventListed: [UnlistedEvent] extends [never] ? true : UnlistedEvent = true;

test('every event of the Wegent dialect, both ways, has a row in its section', () => {
  assert.equal(everyEventListed, true);
  const { text } = section('9. The simple dialect');
  const rows = (names: readonly string[]) => names.filter((name) => !new RegExp(`\\n\\| [^|]*\`${name}\``).test(text));
  assert.deepEqual(rows(WEGENT_CLIENT_EVENTS), [], 'client events without a row');
  assert.deepEqual(rows(WEGENT_SERVER_EVENTS), [], 'server events without a row');
});
