/** `roundtable rooms …`: list, create, join, leave and invite, over REST. */
import type { Room, RoomSummary } from '@roundtable/client';
import { handleArg, listOption, roomArg, stringOption, type Command } from '../command.js';
import { notice, oneLine, print, printJson, printTable } from '../output.js';
import { progress } from '../progress.js';

const list: Command = {
  name: 'rooms',
  summary: 'List your rooms with unread and mention counts (--public: every public room)',
  options: { public: { type: 'boolean', description: 'Every public room, joined or not' } },
  examples: ['roundtable rooms', 'roundtable rooms --public', 'roundtable rooms --json | jq -r ".rooms[].name"'],
  async run(context, { values }) {
    const scope = values.public === true ? 'public' : 'joined';
    const { rooms } = await progress(
      'listing rooms',
      context.api().get<{ rooms: Array<RoomSummary | Room> }>('/api/v1/rooms', { scope }),
    );
    if (context.json) return printJson({ rooms });
    if (rooms.length === 0) return notice(scope === 'public' ? 'No public rooms.' : 'You are in no room.');
    printTable(
      ['NAME', 'KIND', 'UNREAD', 'MENTIONS', 'TOPIC'],
      rooms.map((room) => {
        const counts = 'unread' in room ? [String(room.unread), String(room.mentions)] : ['-', '-'];
        return [roomLabel(room), room.kind + (room.archived ? ' (archived)' : ''), ...counts, oneLine(room.topic)];
      }),
    );
  },
};

const create: Command = {
  name: 'rooms create',
  summary: 'Create a channel; you become its owner',
  args: ['NAME'],
  options: {
    private: { type: 'boolean', description: 'Only invited members can see and join it (default: public)' },
    topic: { type: 'string', value: 'TEXT', description: 'What the room is for' },
    members: { type: 'string', value: 'HANDLE,...', description: 'Add these members right away' },
  },
  examples: [
    'roundtable rooms create design --topic "UI and UX"',
    'roundtable rooms create incident-311 --private --members alice,triage-bot',
  ],
  async run(context, { values, args }) {
    const { room } = await progress(
      'creating the room',
      context.api().post<{ room: Room }>('/api/v1/rooms', {
        name: roomArg(args[0]!),
        kind: values.private === true ? 'private' : 'public',
        topic: stringOption(values, 'topic'),
        members: listOption(values, 'members')?.map(handleArg),
      }),
    );
    if (context.json) return printJson({ room });
    print(`created ${roomLabel(room)} (${room.kind}, ${room.id})`);
  },
};

const join: Command = {
  name: 'rooms join',
  summary: 'Join a public room',
  args: ['ROOM'],
  examples: ['roundtable rooms join design'],
  async run(context, { args }) {
    const { room } = await progress('joining', context.api().post<{ room: Room }>(`${roomPath(args[0]!)}/join`));
    if (context.json) return printJson({ room });
    print(`joined ${roomLabel(room)}`);
  },
};

const leave: Command = {
  name: 'rooms leave',
  summary: 'Leave a room',
  args: ['ROOM'],
  examples: ['roundtable rooms leave design'],
  async run(context, { args }) {
    const result = await progress('leaving', context.api().post<{ room: string }>(`${roomPath(args[0]!)}/leave`));
    if (context.json) return printJson(result);
    print(`left #${roomArg(args[0]!)}`);
  },
};

const invite: Command = {
  name: 'rooms invite',
  summary: 'Add a member to a room you are in',
  args: ['ROOM', 'HANDLE'],
  examples: ['roundtable rooms invite incident-311 bob', 'roundtable rooms invite design @review-bot'],
  async run(context, { args }) {
    const member = handleArg(args[1]!);
    const result = await progress(
      'inviting',
      context.api().post<{ room: string; member: string }>(`${roomPath(args[0]!)}/invite`, { member }),
    );
    if (context.json) return printJson(result);
    print(`added @${member} to #${roomArg(args[0]!)}`);
  },
};

export const roomCommands: Command[] = [list, create, join, leave, invite];

function roomPath(arg: string): string {
  return `/api/v1/rooms/${encodeURIComponent(roomArg(arg))}`;
}

/** Channels by name; direct rooms, which have none, by their other members when known. */
export function roomLabel(room: Room | RoomSummary): string {
  if (room.name) return `#${room.name}`;
  const members = 'members' in room ? room.members : undefined;
  return members && members.length > 0 ? members.map((handle) => `@${handle}`).join(',') : room.id;
}
