/**
 * The tools `/mcp` offers. Most are a protocol request under a name a coding agent understands, with
 * that request's own schema, checks and error codes; the rest (identity, inbox, waiting) are small
 * compositions of hub calls. The table is static: its JSON Schemas are built once.
 */
import { z } from 'zod';
import { Handle, Limits, parseMentions, RequestSchemas, type RequestType, type ResultMap } from '@roundtable/protocol';
import type { Hub } from '../core/hub.js';
import type { MemberRecord } from '../core/ports.js';
import { invalidParams, runRequest } from './requests.js';
import { brief } from './views.js';

export interface ToolContext {
  hub: Hub;
  actor: MemberRecord;
  /** Ends a wait early: the client went away, or the hub is stopping. */
  signal: AbortSignal;
  /** Aborted when the hub is stopping. */
  stopping: AbortSignal;
}

export interface McpTool {
  name: string;
  description: string;
  input: z.ZodObject;
  run(context: ToolContext, args: never): Promise<unknown>;
}

/** The longest a `wait_for_messages` may block: below common proxies' and clients' idle limits. */
export const MAX_WAIT_S = 300;

function tool<S extends z.ZodObject>(
  name: string,
  description: string,
  input: S,
  run: (context: ToolContext, args: z.output<S>) => Promise<unknown>,
): McpTool {
  return { name, description, input, run: run as McpTool['run'] };
}

/** A protocol request offered as a tool: the same schema, hub call and errors as over WebSocket. */
function request<T extends RequestType>(
  name: string,
  type: T,
  description: string,
  shape: (result: ResultMap[T]) => unknown = (result) => result,
): McpTool {
  return tool(name, description, RequestSchemas[type] as unknown as z.ZodObject, async ({ hub, actor }, params) =>
    shape((await runRequest({ hub, actor, session: undefined }, { type, id: undefined, params })) as ResultMap[T]),
  );
}

const RoomRef = RequestSchemas['room.join'].shape.room;
const InboxLimit = z.number().int().min(1).max(Limits.maxPageSize).default(50);

async function inbox(context: ToolContext, limit: number, peek: boolean) {
  const { hub, actor } = context;
  const page = peek ? await hub.inbox.read(actor, { limit }) : await hub.inbox.take(actor, limit);
  return { messages: page.messages.map(brief), has_more: page.has_more };
}

export const TOOLS: readonly McpTool[] = [
  tool(
    'whoami',
    'Who you are in this hub: your handle, kind, capabilities and the rooms you are in. Call it first.',
    z.object({}),
    async ({ hub, actor }) => ({
      handle: actor.handle,
      kind: actor.kind,
      display_name: actor.display_name,
      capabilities: actor.capabilities,
      rooms: (await hub.rooms.listRooms(actor)).map((room) => ({
        id: room.id,
        name: room.name ?? room.title ?? null,
        kind: room.kind,
        unread: room.unread,
      })),
    }),
  ),
  tool(
    'list_rooms',
    'The rooms you are in, with unread counts and their last seq; and the public rooms you could join.',
    z.object({}),
    async ({ hub, actor }) => ({
      joined: (await hub.rooms.listRooms(actor)).map((room) => ({
        id: room.id,
        name: room.name ?? room.title ?? null,
        kind: room.kind,
        topic: room.topic,
        unread: room.unread,
        last_seq: room.last_seq,
      })),
      public: (await hub.rooms.listPublicRooms()).map((room) => ({ id: room.id, name: room.name, topic: room.topic })),
    }),
  ),
  tool(
    'find_agents',
    'Find agents to work with: `q` matches a piece of their handle, name or description; `capability` ' +
      'one granted to them; `status` their presence (`online` for those connected now).',
    RequestSchemas['members.list'].omit({ kind: true }),
    async ({ hub }, filter) => ({
      agents: (await hub.accounts.listMembers({ ...filter, kind: 'agent' })).map((agent) => ({
        handle: agent.handle,
        display_name: agent.display_name,
        description: agent.description,
        capabilities: agent.capabilities,
        status: agent.presence ?? 'offline',
        disabled: agent.disabled,
      })),
    }),
  ),
  request('join_room', 'room.join', 'Join a public room by name or id.', (result) => ({
    room: { id: result.room.id, name: result.room.name, kind: result.room.kind, topic: result.room.topic },
  })),
  tool(
    'send_message',
    'Send a message to a room you are in. Mention members with @handle in the content (or list them in ' +
      '`mentions`); `targets` addresses members without a mention. Give `client_id` to make a retry safe.',
    RequestSchemas.send.pick({ room: true, content: true, targets: true, thread_id: true, client_id: true }).extend({
      mentions: z.array(z.string().min(1).max(64)).max(50).optional().describe('Handles to @mention'),
    }),
    async ({ hub, actor }, { mentions, content, ...rest }) => {
      const present = new Set(parseMentions(content));
      const missing = (mentions ?? []).filter((handle) => !present.has(handle.toLowerCase()));
      const text = missing.length > 0 ? `${missing.map((handle) => `@${handle}`).join(' ')} ${content}` : content;
      const params = RequestSchemas.send.safeParse({ ...rest, content: text });
      if (!params.success) throw invalidParams(params.error);
      const result = await hub.messages.send(actor, params.data);
      return { message: brief(result.message), duplicate: result.duplicate };
    },
  ),
  tool(
    'read_messages',
    'Read a room’s messages, oldest first: those after the seq `after` (your cursor), or the newest ' +
      'without it. Pass the last seq you got as `after` next time.',
    z.object({
      room: RoomRef,
      after: z.number().int().nonnegative().optional(),
      limit: z.number().int().min(1).max(Limits.maxPageSize).default(50),
    }),
    async ({ hub, actor }, { room, after, limit }) => {
      const page = await hub.history.page(actor, { room, after, limit });
      return { messages: page.messages.map(brief), has_more: page.has_more };
    },
  ),
  tool(
    'inbox',
    'What is addressed to you and not yet taken from your inbox, oldest first, across your rooms: mentions, ' +
      'messages targeted at you, @all, direct messages, review requests and (for agents) replies in threads ' +
      'you took part in. Unless `peek` is true, they leave your inbox (as `POST /api/v1/inbox/ack` does); ' +
      'your read cursors never move.',
    z.object({ limit: InboxLimit, peek: z.boolean().default(false) }),
    (context, { limit, peek }) => inbox(context, limit, peek),
  ),
  tool(
    'wait_for_messages',
    'Wait until something is addressed to you, then return it as `inbox` does (taken from the inbox). Returns at ' +
      `once if something is already waiting; after \`timeout_s\` (at most ${MAX_WAIT_S}) with no message ` +
      'it returns `timed_out: true`. Use it instead of polling.',
    z.object({
      timeout_s: z.number().min(0).max(MAX_WAIT_S).default(30),
      limit: InboxLimit,
    }),
    async ({ hub, actor, signal, stopping }, { timeout_s, limit }) => {
      const page = await hub.inbox.waitForAddressed(actor, {
        timeoutMs: timeout_s * 1000,
        limit,
        cancelled: signal,
        stopping,
      });
      return { ...page, messages: page.messages.map(brief) };
    },
  ),
  tool(
    'search_messages',
    'Full-text search over the messages of the rooms you are in (or of one of them), best and most recent first.',
    RequestSchemas['memory.search'].pick({ query: true, room: true, limit: true }),
    async ({ hub, actor }, params) => ({
      messages: (await hub.memory.searchMemory(actor, params)).messages.map((hit) => ({
        ...brief(hit.message),
        score: hit.score,
      })),
    }),
  ),
  tool(
    'react',
    'Add an emoji reaction to a message, or take yours away with `remove: true`.',
    RequestSchemas.react.extend({ remove: z.boolean().default(false) }),
    async ({ hub, actor }, { message, emoji, remove }) => ({
      changed: await hub.messages.react(actor, message, emoji, !remove),
    }),
  ),
  request(
    'create_task',
    'task.create',
    'Create a task for worker agents: what to do, the capabilities it needs, the files it may touch, and ' +
      'how its result is checked (`acceptance.schema` for its data, `acceptance.review` for a person).',
  ),
  request(
    'claim_task',
    'task.claim',
    'Take the next pending task you may do: it needs only capabilities an admin granted you (`capabilities` ' +
      'narrows them), and in a private room you must be a member or named. Returns `{claim: null}` when there is none, or the task ' +
      'with its lease: send `heartbeat` before `lease.expires_at`, and pass the lease token to every call about it.',
  ),
  request(
    'heartbeat',
    'task.heartbeat',
    'Keep the lease on a task you work on. Without it the task goes back to others when the lease runs out.',
  ),
  request(
    'report_task',
    'task.report',
    'Report a task’s result. The hub checks it against the task’s acceptance before it counts as done: ' +
      'the answer carries the verdict, and a refused result leaves the task to be tried again.',
  ),
  request('release_task', 'task.release', 'Give a claimed task back, with the reason, so another worker takes it.'),
  request(
    'ask_for_input',
    'task.ask',
    'Ask a person a question about a task you hold: it waits for the answer, which the task then carries as `feedback`.',
  ),
  request('answer_task', 'task.answer', 'Answer the question a worker asked about a task.'),
  tool(
    'review_task',
    'Accept a task waiting for review, or reject it with feedback (it goes back to be tried again).',
    z.object({
      task: RequestSchemas['task.accept'].shape.task,
      accept: z.boolean(),
      feedback: RequestSchemas['task.reject'].shape.feedback.optional(),
    }),
    async ({ hub, actor }, { task, accept, feedback }) => {
      if (accept) return { task: await hub.tasks.accept(actor, task) };
      const params = RequestSchemas['task.reject'].safeParse({ task, feedback });
      if (!params.success) throw invalidParams(params.error);
      return { task: await hub.tasks.reject(actor, task, params.data.feedback) };
    },
  ),
  tool(
    'request_review',
    'Ask one member to review something: `subject` is what (a task id, a commit, a branch or a URL), ' +
      '`summary` what to look at. It reaches the reviewer alone, as a review card in `room` (or in a room ' +
      'of its own); their answer (`approve` or `request_changes`, with a note) comes back to your inbox.',
    RequestSchemas['task.create']
      .pick({ title: true, room: true, parent: true, client_id: true, priority: true })
      .extend({
        reviewer: RequestSchemas['task.create'].shape.reviewer.unwrap(),
        subject: RequestSchemas['task.create'].shape.subject.unwrap(),
        summary: RequestSchemas['task.create'].shape.summary,
      }),
    async ({ hub, actor }, { title, ...params }) => {
      // A title left out is '' once parsed, which the request's own schema refuses as given.
      const parsed = RequestSchemas['task.create'].safeParse({ ...params, ...(title && { title }), kind: 'review' });
      if (!parsed.success) throw invalidParams(parsed.error);
      return hub.tasks.reviews.request(actor, parsed.data);
    },
  ),
  request(
    'answer_review',
    'review.answer',
    'Answer a review request addressed to you: `approve`, or `request_changes` with a note saying what.',
  ),
  request('get_task', 'task.get', 'One task, with its status, lease, result and verdict.'),
  request(
    'list_tasks',
    'task.list',
    'Tasks, newest first, filtered by status, assignee, creator, room, capability, team or batch; page with `cursor`. ' +
      'A parent task carries `subtasks`: its subtasks’ counts by status.',
  ),
  tool(
    'list_groups',
    'Groups of members (teams): each one’s handle, name, owner and members. `@<group>` in a message ' +
      'addresses its members who are in the room; a task with a `team` goes only to that group’s members. ' +
      'Give `group` for one group.',
    z.object({ group: Handle.optional() }),
    async ({ hub }, { group }) => ({ groups: group ? [await hub.groups.get(group)] : await hub.groups.list() }),
  ),
  request(
    'list_workers',
    'worker.list',
    'Workers connected to the hub (any instance): their capabilities, concurrency, the tasks they hold, last heartbeat.',
  ),
  request(
    'reserve_files',
    'files.reserve',
    'Reserve paths or globs before you change them, so no other worker edits the same files. Exclusive ' +
      'reservations overlap nobody else’s; a conflict names who holds the files.',
  ),
  request('release_files', 'files.release', 'Release your file reservations: those given, or all of them.'),
  request(
    'set_status',
    'activity',
    'Show the people of a room what you are doing: `thinking`, `tool` (name it in `tool`) or ' +
      '`waiting_approval`; `idle` clears it. A status lapses after the hub’s activity TTL (30 s by default) unless set again.',
  ),
  request(
    'since_last_spoke',
    'since_last_spoke',
    'Catch up on a room (or a thread): the messages since your own last message there, the newest ' +
      '`limit` of them; `has_more` says earlier ones were left out.',
    (result) => ({ ...result, messages: result.messages.map(brief) }),
  ),
  tool(
    'request_approval',
    'Ask the people of a room to approve an action before you take it (a deploy, a deletion, a payment), ' +
      'and wait for their decision: `approval.status` is `approved`, `denied` (with their `note`) or ' +
      `\`expired\` (no answer in \`timeout_ms\`, at most ${MAX_WAIT_S * 1000}; count it as denied). Act only on \`approved\`.`,
    RequestSchemas['approval.request'].extend({
      timeout_ms: z
        .number()
        .int()
        .min(0)
        .max(MAX_WAIT_S * 1000)
        .default(MAX_WAIT_S * 1000),
    }),
    async ({ hub, actor, signal }, params) => ({ approval: await hub.approvals.request(actor, params, signal) }),
  ),
  request('remember', 'memory.save', 'Save a note for yourself, optionally about a room; `recall` finds it later.'),
  request(
    'recall',
    'memory.search',
    'Search your notes and the messages of your rooms. Give `for_room` when you answer in a room, so only ' +
      'what its members may read comes back.',
    (result) => ({
      notes: result.notes,
      messages: result.messages.map((hit) => ({ ...brief(hit.message), score: hit.score })),
    }),
  ),
];

export const TOOLS_BY_NAME = new Map(TOOLS.map((entry) => [entry.name, entry]));

/** The tools as `tools/list` gives them: their JSON Schemas describe what a call may send. */
export const TOOL_LIST = TOOLS.map((entry) => ({
  name: entry.name,
  description: entry.description,
  inputSchema: z.toJSONSchema(entry.input, { io: 'input', unrepresentable: 'any' }) as {
    type: 'object';
    [key: string]: unknown;
  },
}));

/** Checks a call's arguments against its tool's schema, with the hub's own error for what is wrong. */
export function argumentsFor(entry: McpTool, args: unknown): unknown {
  const parsed = entry.input.safeParse(args ?? {});
  if (!parsed.success) throw invalidParams(parsed.error);
  return parsed.data;
}
