/**
 * How the hub's frames read in the Wegent dialect: a room event or a stream delta of a task's chat
 * becomes `chat:*` or `task:status`, a task change `task:created` / `task:status`, with Wegent's
 * upper-case statuses. Pure, so each rule is tested without a socket.
 */
import {
  wegentStatus,
  type ErrorFrame,
  type Message,
  type ReadyFrame,
  type RoomEvent,
  type StreamDeltaFrame,
  type TaskChangeData,
  type WegentMessage,
  type WegentServerEvents,
  type WegentServerFrame,
  type WegentTaskStatus,
} from '@roundtable/protocol';

/** Where a task's chat is: its room, or the thread its card started when it lives in a shared room. */
export interface ChatScope {
  task_id: string;
  room: string;
  thread_id: string | null;
}

export function wegentFrame<E extends keyof WegentServerEvents>(
  event: E,
  data: WegentServerEvents[E],
  id?: string,
): string {
  // `event` leads, so a reader can tell answers from the rest by the frame's first bytes.
  return JSON.stringify(id === undefined ? { event, data } : { event, id, data });
}

export function frameText(frame: WegentServerFrame): string {
  return JSON.stringify(frame.id === undefined ? { event: frame.event, data: frame.data } : frame);
}

export function inScope(scope: ChatScope, message: Pick<Message, 'room' | 'thread_id'>): boolean {
  return message.room === scope.room && (scope.thread_id === null || message.thread_id === scope.thread_id);
}

export function wegentMessage(taskId: string, message: Message): WegentMessage {
  return { ...message, task_id: taskId, message_id: message.id };
}

export function taskStatusOf(change: TaskChangeData): WegentTaskStatus {
  const { task } = change;
  return {
    task_id: task.id,
    status: wegentStatus(change.to),
    previous: change.from === null ? null : wegentStatus(change.from),
    action: change.action,
    title: task.title,
    assignee: task.assignee,
    updated_at: task.updated_at,
    task: { ...task, status: wegentStatus(task.status) },
  };
}

/**
 * A message event of a chat: a new message (`chat:message`), a reply starting to stream
 * (`chat:start`), or the end of one (`chat:done`, `chat:error`, `chat:cancelled`); an edit is the
 * message again.
 */
export function messageEvent(
  taskId: string,
  kind: 'message.created' | 'message.updated',
  message: Message,
): WegentServerFrame {
  const ids = { task_id: taskId, message_id: message.id };
  if (kind === 'message.created' && message.status === 'streaming') {
    return { event: 'chat:start', data: { ...ids, sender: message.sender } };
  }
  if (kind === 'message.updated' && message.edited_at === null) {
    if (message.status === 'complete') {
      const usage = message.metadata.usage;
      return { event: 'chat:done', data: { ...ids, content: message.content, ...(usage ? { usage } : {}) } };
    }
    if (message.status === 'error') {
      return { event: 'chat:error', data: { ...ids, error: message.metadata.error ?? 'The reply failed.' } };
    }
    if (message.status === 'cancelled') {
      return { event: 'chat:cancelled', data: { ...ids, content: message.content } };
    }
  }
  return { event: 'chat:message', data: wegentMessage(taskId, message) };
}

export function chunkEvent(taskId: string, delta: StreamDeltaFrame): WegentServerFrame {
  return {
    event: 'chat:chunk',
    data: { task_id: taskId, message_id: delta.message, content: delta.delta, index: delta.index },
  };
}

/**
 * A hub frame the dialect may have words for: `ready`, room events, stream deltas and errors the
 * hub sends of itself (a request's own error is answered by the dialect); any other is dropped.
 */
export type HubFrame = ReadyFrame | (RoomEvent & { type: 'event' }) | StreamDeltaFrame | ErrorFrame;

const READ = ['{"type":"event"', '{"type":"stream.delta"', '{"type":"ready"', '{"type":"error"'];

export function readHubFrame(frame: string): HubFrame | undefined {
  return READ.some((head) => frame.startsWith(head)) ? (JSON.parse(frame) as HubFrame) : undefined;
}
