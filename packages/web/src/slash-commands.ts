/**
 * Slash commands of the message box: the table of commands, what a typed line means (a message,
 * a command, or a mistake to point out), and what to offer while a command is being typed.
 * Pure functions over text, so they are tested without a browser.
 */
import { TaskLimits } from '@roundtable/protocol';

export type CommandName = 'invite' | 'leave' | 'topic' | 'mute' | 'unmute' | 'task' | 'search' | 'me';

export interface CommandSpec {
  name: CommandName;
  /** How it is written, shown in the completion list: `/invite @handle`. */
  usage: string;
  /** One line on what it does. */
  description: string;
  /** What must follow the name; `undefined` when nothing may. */
  argument?: { required: boolean; missing: string };
  /** Rooms where the hub would refuse it: direct rooms and conversations have a fixed pair of members. */
  sharedRoomsOnly?: boolean;
}

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'invite',
    usage: '/invite @handle',
    description: 'Add someone to this room',
    argument: { required: true, missing: 'Say who to invite: /invite @handle' },
    sharedRoomsOnly: true,
  },
  { name: 'leave', usage: '/leave', description: 'Leave this room', sharedRoomsOnly: true },
  {
    name: 'topic',
    usage: '/topic text',
    description: 'Set the room’s topic (empty clears it)',
    argument: { required: false, missing: '' },
    sharedRoomsOnly: true,
  },
  { name: 'mute', usage: '/mute', description: 'Mute this room: no notifications or unread badges' },
  { name: 'unmute', usage: '/unmute', description: 'Notify me of every message in this room again' },
  {
    name: 'task',
    usage: '/task title',
    description: 'Create a task in this room',
    argument: { required: true, missing: 'Give the task a title: /task Write the release notes' },
  },
  {
    name: 'search',
    usage: '/search words',
    description: 'Search messages',
    argument: { required: true, missing: 'Say what to look for: /search deploy' },
  },
  {
    name: 'me',
    usage: '/me action',
    description: 'Say what you are doing, shown as “* you waves”',
    argument: { required: true, missing: 'Say what you do: /me waves' },
  },
];

/** What the box can run here: `search` needs a search view to open, the member commands a shared room. */
export interface CommandContext {
  sharedRoom: boolean;
  canSearch: boolean;
}

export function availableCommands(context: CommandContext): CommandSpec[] {
  return COMMANDS.filter(
    (command) => (context.sharedRoom || !command.sharedRoomsOnly) && (context.canSearch || command.name !== 'search'),
  );
}

export type Parsed =
  /** Plain text to post; `//` at the start stands for a literal `/`. */
  | { kind: 'message'; content: string }
  | { kind: 'command'; name: CommandName; argument: string }
  /** Not something to send: why, in one line, shown under the box. */
  | { kind: 'hint'; hint: string };

const HANDLE = /^@?([A-Za-z0-9][\w.-]*)$/;

/** What the line typed in the box means, once Enter is pressed. */
export function parseLine(line: string, context: CommandContext): Parsed {
  const trimmed = line.trim();
  if (trimmed.startsWith('//')) return { kind: 'message', content: trimmed.slice(1) };
  if (!trimmed.startsWith('/')) return { kind: 'message', content: trimmed };
  const match = /^\/(\S*)\s*([\s\S]*)$/.exec(trimmed)!;
  const typed = match[1]!.toLowerCase();
  const argument = match[2]!.trim();
  const command = availableCommands(context).find((candidate) => candidate.name === typed);
  if (!command) {
    const known = COMMANDS.some((candidate) => candidate.name === typed);
    return {
      kind: 'hint',
      hint: known
        ? `/${typed} cannot be used here.`
        : `${typed ? `/${typed}` : '/'} is not a command. Type / to see them, or start with // to send a message that begins with /.`,
    };
  }
  if (!command.argument && argument) return { kind: 'hint', hint: `${command.usage} takes nothing after it.` };
  if (command.argument?.required && !argument) return { kind: 'hint', hint: command.argument.missing };
  if (command.name === 'invite') {
    const handle = HANDLE.exec(argument)?.[1];
    if (!handle) return { kind: 'hint', hint: 'Invite one member by handle: /invite @handle' };
    return { kind: 'command', name: 'invite', argument: handle.toLowerCase() };
  }
  if (command.name === 'task' && argument.length > TaskLimits.maxTitleChars) {
    return { kind: 'hint', hint: `A task title is at most ${TaskLimits.maxTitleChars} characters.` };
  }
  return { kind: 'command', name: command.name, argument };
}

export type Completion =
  | { kind: 'command'; commands: CommandSpec[] }
  /** Handles for `/invite @…`: `query` is what is typed after `@`, `start` where the handle begins. */
  | { kind: 'handle'; query: string; start: number };

/**
 * What to offer at the caret: commands while the first word is being typed, then handles for
 * `/invite`. Nothing once the caret leaves the part a list could complete.
 */
export function completionAt(line: string, caret: number, context: CommandContext): Completion | undefined {
  const before = line.slice(0, caret);
  if (!before.startsWith('/') || before.startsWith('//')) return undefined;
  const name = /^\/(\S*)$/.exec(before);
  if (name) {
    const prefix = name[1]!.toLowerCase();
    const commands = availableCommands(context).filter((command) => command.name.startsWith(prefix));
    return commands.length > 0 ? { kind: 'command', commands } : undefined;
  }
  const invite = /^\/invite\s+(@?)([\w.-]*)$/i.exec(before);
  if (invite && availableCommands(context).some((command) => command.name === 'invite')) {
    const query = invite[2]!;
    return { kind: 'handle', query: query.toLowerCase(), start: caret - query.length - invite[1]!.length };
  }
  return undefined;
}

/** The line after picking `command` from the list: its name and a space when something follows it. */
export function withCommand(line: string, command: CommandSpec): { line: string; caret: number } {
  const rest = line.replace(/^\/\S*/, '');
  const head = `/${command.name}${command.argument ? ' ' : ''}`;
  const tail = rest.replace(/^\s+/, '');
  return { line: head + tail, caret: head.length };
}

/** The line after picking a handle for `/invite`: the handle replaces what was typed of it. */
export function withHandle(line: string, completion: { start: number; query: string }, handle: string) {
  const end = completion.start + (line[completion.start] === '@' ? 1 : 0) + completion.query.length;
  const head = `${line.slice(0, completion.start)}@${handle}`;
  return { line: head + line.slice(end), caret: head.length };
}
