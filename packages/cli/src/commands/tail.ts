/** `roundtable tail`: a room's recent history, then its live events over the SDK's WebSocket client, until Ctrl-C. */
import { Limits } from '@roundtable/protocol';
import {
  RoundtableClient,
  RoundtableError,
  type EventFrame,
  type Message,
  type RoomSummary,
  type StreamDeltaFrame,
} from '@roundtable/client';
import { intOption, roomArg, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { dim } from '../output.js';
import { progress, spinner } from '../progress.js';
import { jsonRenderer, TextRenderer, type Renderer } from './tail-render.js';

const DEFAULT_LIMIT = 20;

const tail: Command = {
  name: 'tail',
  summary: 'Print a room’s last messages, then follow it live until Ctrl-C',
  description: [
    'Follows the room over one WebSocket: new messages, edits, deletions, reactions, members joining',
    'and leaving; an agent’s streamed reply grows on its line as it is written. When the connection',
    'drops, tail reconnects by itself, says so on stderr, and shows what was missed meanwhile.',
    'With --json, prints one JSON object per line: history messages, then event and stream.delta frames.',
  ].join('\n'),
  args: ['ROOM'],
  options: {
    limit: {
      type: 'string',
      value: 'N',
      description: `History to print first, in messages; 0 for none (default: ${DEFAULT_LIMIT})`,
    },
    since: {
      type: 'string',
      value: 'SEQ',
      description: 'Print every message after this seq instead of the last N (still capped by --limit when given)',
    },
  },
  examples: [
    'roundtable tail general',
    'roundtable tail ops --limit 0',
    'roundtable tail general --since 1200',
    'roundtable tail general --json | jq -c "select(.kind == \\"message.created\\") | .data.content"',
  ],
  async run(context, { values, args }) {
    const ref = roomArg(args[0]!);
    const since = intOption(values, 'since', tail);
    const limit = intOption(values, 'limit', tail) ?? (since === undefined ? DEFAULT_LIMIT : Number.POSITIVE_INFINITY);
    const token = context.requireToken();

    let connected = false;
    let lastError: RoundtableError | undefined;
    const client = new RoundtableClient({
      url: context.url,
      token,
      logger: {
        // After the first connection each drop and reconnect gets a dim line, so a quiet room is not
        // mistaken for a dead one. Before it, the spinner shows why the hub cannot be reached yet.
        warn: (message, extra) => {
          const cause = typeof extra === 'string' ? extra : undefined;
          if (connected) spinner.line(dim(`… ${message.replace(/^roundtable: /, '')}${cause ? `: ${cause}` : ''}`));
          else if (cause) spinner.update(`waiting for the hub at ${context.url} (${cause})`);
        },
      },
    });

    let room: RoomSummary | undefined;
    /** Live items that arrive while history loads, held back so they print after it, without repeats. */
    let backlog: Array<EventFrame | StreamDeltaFrame> | undefined = [];
    let renderer: Renderer = jsonRenderer;
    const show = (frame: EventFrame | StreamDeltaFrame) => {
      if (frame.room !== room?.id) return;
      if (backlog) backlog.push(frame);
      else if (frame.type === 'event') renderer.event(frame);
      else renderer.delta(frame);
    };
    client.on('event', show);
    client.on('delta', show);
    client.on('error', (error) => {
      lastError = error;
      // A final failure closes the client right after this event and is reported once, as the exit error.
      queueMicrotask(() => {
        if (connected && client.state !== 'closed') spinner.line(dim(`… ${error.code}: ${error.message}`));
      });
    });
    client.on('ready', () => {
      if (connected) spinner.line(dim('… reconnected'));
    });

    try {
      const ready = await progress(`connecting to ${context.url}`, client.connect());
      connected = true;
      room = ready.rooms.find((candidate) => candidate.id === ref || candidate.name === ref);
      if (!room) {
        // Throws room_not_found when there is no such room, and succeeds for a public room not joined yet.
        await client.history(ref, { limit: 1 });
        throw new RoundtableError('not_member', `You are not in #${ref}; join it first: roundtable rooms join ${ref}`);
      }
      if (!context.json) {
        renderer = new TextRenderer(room.name ?? room.id, (text) => process.stdout.write(text));
      }
      const history = await progress('loading history', loadHistory(client, room.id, since, limit));
      for (const message of history) renderer.history(message);
      // History already shows the state as of its latest message: earlier events would repeat it.
      const shown = history.at(-1)?.seq ?? 0;
      const held = backlog;
      backlog = undefined;
      for (const frame of held) {
        if (frame.type === 'stream.delta') renderer.delta(frame);
        else if (frame.seq > shown) renderer.event(frame);
      }
      await untilStopped(client, () => lastError);
    } finally {
      await client.close();
    }
  },
};

export const tailCommands: Command[] = [tail];

/** The last `limit` messages, or with `since` the first `limit` after it, oldest first, page by page. */
async function loadHistory(
  client: RoundtableClient,
  room: string,
  since: number | undefined,
  limit: number,
): Promise<Message[]> {
  const messages: Message[] = [];
  let cursor = since;
  while (messages.length < limit) {
    const size = Math.min(Limits.maxPageSize, limit - messages.length);
    const page =
      since === undefined
        ? await client.history(room, { before: cursor, limit: size })
        : await client.history(room, { after: cursor, limit: size });
    if (since === undefined) messages.unshift(...page.messages);
    else messages.push(...page.messages);
    if (!page.has_more || page.messages.length === 0) break;
    cursor = since === undefined ? page.messages[0]!.seq : page.messages.at(-1)!.seq;
  }
  return messages;
}

/** Resolves on Ctrl-C or SIGTERM; rejects when the client gives up for good (token revoked, member disabled). */
function untilStopped(client: RoundtableClient, lastError: () => RoundtableError | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    client.on('state', (state) => {
      if (state === 'closed') reject(lastError() ?? new CliError('the connection closed'));
    });
  });
}
