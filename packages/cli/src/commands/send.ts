/** `roundtable send`: posts one message over REST, from the arguments or from stdin. */
import type { MessageResult } from '@roundtable/client';
import { UsageError, handleArg, listOption, roomArg, stringOption, type Command } from '../command.js';
import { readStdin } from '../input.js';
import { print, printJson } from '../output.js';
import { progress } from '../progress.js';

const send: Command = {
  name: 'send',
  summary: 'Send a message to a room (MESSAGE "-" reads it from stdin)',
  description: [
    'The words of MESSAGE are joined with spaces; "-" alone reads the whole of stdin instead (one',
    'trailing newline is dropped). Mentions in the text (@alice, @all) work as in any client; --to',
    'addresses agents without mentioning them. Prints the stored message id and its seq in the room.',
  ].join('\n'),
  args: ['ROOM', 'MESSAGE...'],
  options: {
    to: {
      type: 'string',
      value: 'HANDLE,...',
      description: 'Address these members (agents are woken) without @-mentions',
    },
    thread: { type: 'string', value: 'ID', description: 'Reply in the thread of this top-level message' },
  },
  examples: [
    'roundtable send general "deploy finished: v1.4.2 is live"',
    'roundtable send ops --to triage-bot "please look at INC-311"',
    'roundtable send general --thread msg_Qx81vA0bT2e9 "fixed in #482"',
    'git log -1 --format=%B | roundtable send releases -',
  ],
  async run(context, { values, args }) {
    const [room, ...words] = args as [string, ...string[]];
    const content =
      words.length === 1 && words[0] === '-' ? (await readStdin()).replace(/\r?\n$/, '') : words.join(' ');
    if (content.trim() === '') throw new UsageError('the message is empty', send);
    const result = await progress(
      'sending',
      context.api().post<MessageResult>(`/api/v1/rooms/${encodeURIComponent(roomArg(room))}/messages`, {
        content,
        targets: listOption(values, 'to')?.map(handleArg),
        thread_id: stringOption(values, 'thread'),
      }),
    );
    if (context.json) return printJson(result);
    print(`sent ${result.message.id} (seq ${result.message.seq})`);
  },
};

export const sendCommands: Command[] = [send];
