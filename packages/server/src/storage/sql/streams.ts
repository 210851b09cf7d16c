/**
 * Streams in the store: the checkpoints of the instance that holds them (one write for all its
 * streams), the streams whose holder stopped checkpointing, and the write that ends a stream once.
 */
import type { Message } from '@roundtable/protocol';
import { TABLE_BY_NAME } from '../../core/dump.js';
import type {
  EventDraft,
  MessageAudience,
  MessagePatch,
  StoredEvent,
  StreamCheckpoint,
  StreamsStore,
} from '../../core/ports.js';
import { update, type Dialect } from './dialect.js';
import { appendEvent } from './log.js';
import { audiencesOf, messagesOf } from './messages.js';
import { changes, rows, type Params, type SqlDriver, type Step } from './step.js';

const MESSAGES = TABLE_BY_NAME.get('messages')!;

/**
 * What every statement here requires of the message. A deleted message's stream is over too, though
 * its status stays `streaming`: nothing may write its text back. The literal matches the partial
 * index `messages_streaming`, so none of these reads the whole table.
 */
const STILL_STREAMING = "status = 'streaming' AND deleted_at IS NULL";

const SAVE_TEXT = `UPDATE messages SET content = @content, parts = coalesce(@parts, parts), stream_seen_at = @at
  WHERE id = @id AND ${STILL_STREAMING}`;

const ORPHANED = `SELECT * FROM messages WHERE ${STILL_STREAMING} AND coalesce(stream_seen_at, created_at) < @before
  ORDER BY created_at LIMIT @limit`;

export function streamsStore(db: SqlDriver, d: Dialect): StreamsStore {
  return {
    checkpointStreams: (at, streams) =>
      streams.length === 0 ? Promise.resolve([]) : db.write(checkpointStreams, d, at, streams),
    orphanedStreams: (before, limit) => db.read(orphanedStreams, d, before, limit),
    finishStream: (id, patch, event) => db.write(finishStream, d, id, patch, event),
  };
}

function* checkpointStreams(d: Dialect, at: string, streams: StreamCheckpoint[]): Step<string[]> {
  const saved: string[] = [];
  const unchanged: string[] = [];
  for (const { messageId, text } of streams) {
    if (!text) {
      unchanged.push(messageId);
      continue;
    }
    const parts = text.parts === undefined ? null : JSON.stringify(text.parts);
    if ((yield* changes(SAVE_TEXT, { id: messageId, at, content: text.content, parts })) > 0) saved.push(messageId);
  }
  if (unchanged.length > 0) {
    // Streams with no new text share one statement, which leaves their content (and its search index) alone.
    const params: Params = { at };
    const alive = yield* rows(
      `UPDATE messages SET stream_seen_at = @at
       WHERE ${d.anyOf('id', 'ids', unchanged, params)} AND ${STILL_STREAMING} RETURNING id`,
      params,
    );
    for (const message of alive) saved.push(message.id as string);
  }
  return saved;
}

function* orphanedStreams(d: Dialect, before: string, limit: number): Step<MessageAudience[]> {
  return yield* audiencesOf(d, yield* rows(ORPHANED, { before, limit }));
}

function* finishStream(
  d: Dialect,
  id: string,
  patch: MessagePatch,
  event: (message: Message) => EventDraft,
): Step<{ message: Message; event: StoredEvent } | undefined> {
  // Conditional on the row as it is when the update runs: on PostgreSQL a second instance's update
  // waits for the first to commit, then finds the message no longer streaming and changes nothing.
  const stored = yield* update(d, MESSAGES, patch, `id = @id AND ${STILL_STREAMING}`, { id });
  if (!stored) return undefined;
  const message = (yield* messagesOf(d, [stored]))[0]!;
  return { message, event: yield* appendEvent(d, message.room, event(message)) };
}
