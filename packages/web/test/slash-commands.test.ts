/** Slash commands without a browser: what a typed line means, and what the box offers while it is typed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  COMMANDS,
  availableCommands,
  completionAt,
  parseLine,
  withCommand,
  withHandle,
  type CommandContext,
} from '../src/slash-commands.js';

const channel: CommandContext = { sharedRoom: true, canSearch: true };
const direct: CommandContext = { sharedRoom: false, canSearch: true };
const thread: CommandContext = { sharedRoom: true, canSearch: false };

test('plain text is a message, and a leading // sends a literal slash', () => {
  assert.deepEqual(parseLine('  hello  ', channel), { kind: 'message', content: 'hello' });
  assert.deepEqual(parseLine('//usr/bin is a path', channel), { kind: 'message', content: '/usr/bin is a path' });
  assert.deepEqual(parseLine('// ', channel), { kind: 'message', content: '/' });
});

test('each command reads its argument, trimmed, with the name in any case', () => {
  assert.deepEqual(parseLine('/invite @Bob', channel), { kind: 'command', name: 'invite', argument: 'bob' });
  assert.deepEqual(parseLine('/invite bob.smith', channel), {
    kind: 'command',
    name: 'invite',
    argument: 'bob.smith',
  });
  assert.deepEqual(parseLine('/leave', channel), { kind: 'command', name: 'leave', argument: '' });
  assert.deepEqual(parseLine('/topic  Release week ', channel), {
    kind: 'command',
    name: 'topic',
    argument: 'Release week',
  });
  assert.deepEqual(parseLine('/topic', channel), { kind: 'command', name: 'topic', argument: '' });
  assert.deepEqual(parseLine('/MUTE', channel), { kind: 'command', name: 'mute', argument: '' });
  assert.deepEqual(parseLine('/unmute', channel), { kind: 'command', name: 'unmute', argument: '' });
  assert.deepEqual(parseLine('/task Write the\nrelease notes', channel), {
    kind: 'command',
    name: 'task',
    argument: 'Write the\nrelease notes',
  });
  assert.deepEqual(parseLine('/search deploy failed', channel), {
    kind: 'command',
    name: 'search',
    argument: 'deploy failed',
  });
  assert.deepEqual(parseLine('/me waves', channel), { kind: 'command', name: 'me', argument: 'waves' });
});

test('an unknown command, a missing or extra argument, or a bad handle is a hint, never a message', () => {
  const hint = (line: string, context = channel) => {
    const parsed = parseLine(line, context);
    assert.equal(parsed.kind, 'hint', `${line} is a hint`);
    return parsed.kind === 'hint' ? parsed.hint : '';
  };
  assert.match(hint('/shrug'), /\/shrug is not a command.*\/\//);
  assert.match(hint('/'), /not a command/);
  assert.match(hint('/usr/bin'), /\/usr\/bin is not a command/);
  assert.match(hint('/task'), /title/);
  assert.match(hint(`/task ${'x'.repeat(201)}`), /at most 200 characters/);
  assert.match(hint('/me  '), /waves/);
  assert.match(hint('/search'), /look for/);
  assert.match(hint('/invite'), /who/);
  assert.match(hint('/invite @bob @carol'), /one member/);
  assert.match(hint('/leave now'), /takes nothing/);
  assert.match(hint('/mute please'), /takes nothing/);
  assert.match(hint('/invite @bob', direct), /cannot be used here/);
  assert.match(hint('/search x', thread), /cannot be used here/);
});

test('the commands offered depend on the room and on whether a search view is there to open', () => {
  const names = (context: CommandContext) => availableCommands(context).map((command) => command.name);
  assert.deepEqual(names(channel), ['invite', 'leave', 'topic', 'mute', 'unmute', 'task', 'search', 'me']);
  assert.deepEqual(names(direct), ['mute', 'unmute', 'task', 'search', 'me']);
  assert.ok(!names(thread).includes('search'));
  for (const command of COMMANDS) {
    assert.ok(command.usage.startsWith(`/${command.name}`), `${command.name}: usage starts with its name`);
    assert.ok(command.description.length > 0 && !command.description.includes('\n'), `${command.name}: one line`);
  }
});

test('completion lists the commands whose name starts with what is typed, until the first space', () => {
  const names = (line: string, caret = line.length, context = channel) => {
    const found = completionAt(line, caret, context);
    return found?.kind === 'command' ? found.commands.map((command) => command.name) : found;
  };
  assert.equal((names('/') as string[]).length, 8);
  assert.deepEqual(names('/m'), ['mute', 'me']);
  assert.deepEqual(names('/MU'), ['mute']);
  assert.deepEqual(names('/un'), ['unmute']);
  assert.equal(names('/x'), undefined, 'nothing matches: no list');
  assert.equal(names('/me waves'), undefined, 'past the name: no list');
  assert.equal(names('//'), undefined);
  assert.equal(names('hello /m'), undefined, 'only at the start of the line');
  assert.deepEqual(names('/me waves', 2), ['mute', 'me'], 'the caret decides, not the end of the line');
  assert.deepEqual(names('/i', 2, direct), undefined, 'invite is not offered in a direct room');
});

test('after /invite the handle is completed, with or without its @', () => {
  assert.deepEqual(completionAt('/invite @bo', 11, channel), { kind: 'handle', query: 'bo', start: 8 });
  assert.deepEqual(completionAt('/invite Bo', 10, channel), { kind: 'handle', query: 'bo', start: 8 });
  assert.deepEqual(completionAt('/invite ', 8, channel), { kind: 'handle', query: '', start: 8 });
  assert.equal(completionAt('/invite @bob x', 14, channel), undefined);
  assert.equal(completionAt('/invite @b', 10, direct), undefined);
});

test('picking from the list writes the command or the handle into the line and puts the caret after it', () => {
  const me = COMMANDS.find((command) => command.name === 'me')!;
  const leave = COMMANDS.find((command) => command.name === 'leave')!;
  assert.deepEqual(withCommand('/m', me), { line: '/me ', caret: 4 });
  assert.deepEqual(withCommand('/m waves', me), { line: '/me waves', caret: 4 });
  assert.deepEqual(withCommand('/le', leave), { line: '/leave', caret: 6 });
  assert.deepEqual(withHandle('/invite @bo', { start: 8, query: 'bo' }, 'bob'), { line: '/invite @bob', caret: 12 });
  assert.deepEqual(withHandle('/invite bo', { start: 8, query: 'bo' }, 'bob'), { line: '/invite @bob', caret: 12 });
});
