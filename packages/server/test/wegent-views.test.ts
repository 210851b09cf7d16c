/**
 * How hub frames read in the Wegent dialect, rule by rule, without a socket: which message event is
 * which `chat:*` event, what a chat's scope holds, task statuses in upper case, and status filters
 * that take either case.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  TaskListParams,
  WegentClientEvents,
  WegentPersonalEvents,
  type Message,
  type Task,
} from '@roundtable/protocol';
import {
  chunkEvent,
  frameText,
  inScope,
  messageEvent,
  readHubFrame,
  taskStatusOf,
} from '../src/transport/wegent-views.js';

function message(overrides: Partial<Message> = {}): Message {
  return {
    id: 'm_1',
    room: 'r_1',
    seq: 7,
    sender: 'helper',
    sender_kind: 'agent',
    content: 'Hello',
    mentions: [],
    targets: [],
    mention_all: false,
    thread_id: null,
    depth: 0,
    status: 'complete',
    parts: [],
    metadata: {},
    client_id: null,
    created_at: '2026-01-01T00:00:00.000Z',
    edited_at: null,
    deleted: false,
    reactions: [],
    reply_count: 0,
    last_reply_at: null,
    ...overrides,
  };
}

test('a new message is chat:message, a new streaming one chat:start', () => {
  const created = messageEvent('task_1', 'message.created', message());
  assert.equal(created.event, 'chat:message');
  assert.equal(created.data.task_id, 'task_1');
  assert.equal((created.data as { message_id: string }).message_id, 'm_1');
  assert.deepEqual(messageEvent('task_1', 'message.created', message({ status: 'streaming', content: '' })), {
    event: 'chat:start',
    data: { task_id: 'task_1', message_id: 'm_1', sender: 'helper' },
  });
});

test('the end of a stream is chat:done with its usage, chat:error, or chat:cancelled; an edit is the message again', () => {
  const usage = { input_tokens: 3, output_tokens: 5 };
  assert.deepEqual(messageEvent('t', 'message.updated', message({ metadata: { usage } })), {
    event: 'chat:done',
    data: { task_id: 't', message_id: 'm_1', content: 'Hello', usage },
  });
  assert.deepEqual(messageEvent('t', 'message.updated', message()).data, {
    task_id: 't',
    message_id: 'm_1',
    content: 'Hello',
  });
  assert.deepEqual(messageEvent('t', 'message.updated', message({ status: 'error', metadata: { error: 'boom' } })), {
    event: 'chat:error',
    data: { task_id: 't', message_id: 'm_1', error: 'boom' },
  });
  assert.equal(messageEvent('t', 'message.updated', message({ status: 'cancelled' })).event, 'chat:cancelled');
  assert.equal(
    messageEvent('t', 'message.updated', message({ edited_at: '2026-01-01T00:01:00.000Z' })).event,
    'chat:message',
  );
});

test('a delta is chat:chunk with its index, and frames lead with their event', () => {
  const chunk = chunkEvent('t', { type: 'stream.delta', room: 'r_1', message: 'm_1', index: 4, delta: 'lo' });
  assert.deepEqual(chunk, { event: 'chat:chunk', data: { task_id: 't', message_id: 'm_1', content: 'lo', index: 4 } });
  assert.ok(frameText(chunk).startsWith('{"event":"chat:chunk"'), 'the event comes first');
});

test('a task with a room of its own chats in all of it; one in a shared room, in its card’s thread only', () => {
  const own = { task_id: 't', room: 'r_1', thread_id: null };
  const shared = { task_id: 't', room: 'r_1', thread_id: 'm_card' };
  assert.ok(inScope(own, { room: 'r_1', thread_id: 'm_other' }), 'every message of its room');
  assert.ok(!inScope(own, { room: 'r_2', thread_id: null }), 'not another room');
  assert.ok(inScope(shared, { room: 'r_1', thread_id: 'm_card' }), 'its thread');
  assert.ok(!inScope(shared, { room: 'r_1', thread_id: null }), 'not the room around it');
});

test('task changes carry upper-case statuses, the task’s own included', () => {
  const task = { id: 'task_1', title: 'T', assignee: 'w', status: 'running', updated_at: 'x' } as Task;
  const status = taskStatusOf({ task, action: 'start', from: 'assigned', to: 'running' });
  assert.equal(status.status, 'RUNNING');
  assert.equal(status.previous, 'ASSIGNED');
  assert.equal(status.task.status, 'RUNNING');
  assert.equal(
    taskStatusOf({ task: { ...task, status: 'pending' }, action: 'create', from: null, to: 'pending' }).previous,
    null,
  );
});

test('only the hub frames the dialect has words for are read', () => {
  assert.equal(readHubFrame('{"type":"presence","member":"a","status":"online"}'), undefined);
  assert.equal(readHubFrame('{"type":"ack","id":"1","result":{}}'), undefined);
  assert.equal(
    readHubFrame('{"type":"stream.delta","room":"r","message":"m","index":0,"delta":"x"}')?.type,
    'stream.delta',
  );
});

test('status filters take the hub’s and Wegent’s names, not any other case', () => {
  assert.deepEqual(TaskListParams.parse({ status: ['PENDING', 'running', 'INPUT_REQUIRED'] }).status, [
    'pending',
    'running',
    'input_required',
  ]);
  assert.equal(TaskListParams.safeParse({ status: ['Pending'] }).success, false);
});

test('the personal channel’s chat events name their task; the chat’s default to its own', () => {
  assert.equal(WegentClientEvents['chat:send'].safeParse({ content: 'hi' }).success, true);
  assert.equal(WegentPersonalEvents['chat:send'].safeParse({ content: 'hi' }).success, false);
  assert.equal(WegentPersonalEvents['task:join'].safeParse({ task_id: 'task_1' }).success, true);
});
