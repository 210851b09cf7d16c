/**
 * Streaming messages: the deltas received for each, by index, and the tool calls they show as
 * parts. A message's snapshot says how many deltas its content already holds, so the text shown
 * is that content followed by the deltas after it.
 */
import type { Message, MessagePart } from '@roundtable/protocol';
import { num, record, text } from '../safe.js';
import type { Action, ChatState } from './state.js';

export type StreamAction =
  | { type: 'stream.delta'; message: string; index: number; delta: string }
  | { type: 'stream.part'; room: string; message: string; part: MessagePart };

export function reduceStreams(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'stream.delta': {
      const known = state.streams[action.message];
      // Deltas replayed around a reconnect come again with the same index: the first one stays.
      if (known?.[action.index] !== undefined) return state;
      const deltas = [...(known ?? [])];
      deltas[action.index] = action.delta;
      return { ...state, streams: { ...state.streams, [action.message]: deltas } };
    }
    case 'message.updated': {
      // A finished message's content holds the whole text: its deltas are no longer read.
      if (action.message.status === 'streaming' || !state.streams[action.message.id]) return state;
      const streams = { ...state.streams };
      delete streams[action.message.id];
      return { ...state, streams };
    }
    default:
      return state;
  }
}

/**
 * Whether the delta at `index` has no delta before it: deltas lost across a reconnect leave a hole
 * the text stops at, which only the message's snapshot can fill.
 */
export function followsGap(deltas: string[] | undefined, index: number): boolean {
  return index > 0 && deltas?.[index - 1] === undefined;
}

/** A streaming message's text: its content, then the deltas received after it, up to the first gap. */
export function streamedText(message: Message, deltas: string[] | undefined): string {
  let content = text(message.content) ?? '';
  if (message.status !== 'streaming' || !deltas) return content;
  const from = num(record(message.metadata).stream_deltas) ?? 0;
  for (let index = from; deltas[index] !== undefined; index += 1) content += deltas[index];
  return content;
}

/** A tool call replaces the one with its id where it stands, or comes last; the other parts stay as they came. */
export function withPart(parts: MessagePart[] | undefined, part: MessagePart): MessagePart[] {
  // Stored parts are untrusted: anything but a list counts as none.
  const current = Array.isArray(parts) ? parts : [];
  const same = (existing: MessagePart) => record(existing).id === part.id;
  return current.some(same) ? current.map((existing) => (same(existing) ? part : existing)) : [...current, part];
}
