/** Scripted agents for the loop tests: SDK clients that answer whatever reaches them, addressing a peer. */
import type { TestContext } from 'node:test';
import { RoundtableClient, type Message } from '@roundtable/client';
import type { Frame } from '@roundtable/testkit';

export const WORDS = [
  'apples',
  'bridges',
  'candles',
  'dunes',
  'engines',
  'ferns',
  'glaciers',
  'harbors',
  'islands',
  'jetties',
];

/** An agent on the SDK that answers every message that reaches it by addressing `peer`, while `running`. */
export async function chatterbox(
  t: TestContext,
  url: string,
  token: string,
  peer: string,
  say: (turn: number) => string,
) {
  const client = new RoundtableClient({ url, token });
  t.after(() => client.close());
  const state = { running: true, heard: [] as Message[] };
  client.on('message', (message) => {
    state.heard.push(message);
    if (state.running) void client.send(message.room, `@${peer} ${say(state.heard.length)}`);
  });
  await client.connect();
  return state;
}

export const isNotice = (kind: string) => (frame: Frame) =>
  frame.type === 'event' && frame.kind === 'message.created' && frame.data.metadata?.notice === kind;
