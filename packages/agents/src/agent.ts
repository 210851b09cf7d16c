/**
 * One agent at work: every message the hub delivers to it (the delivery rule decides) gets a reply
 * streamed from the model, with its tool calls shown as they run. A person pressing stop aborts the
 * model request; a model error or timeout ends the reply as a visible error. Replies in one room
 * (or thread) are written one at a time, in the order their messages arrived.
 */
import type { MessageStream, RoundtableClient } from '@roundtable/client';
import { TokenBudget, type Message, type MessagePart } from '@roundtable/protocol';
import {
  dynamicTool,
  jsonSchema,
  stepCountIs,
  streamText,
  type LanguageModel,
  type ModelMessage,
  type ToolSet,
} from 'ai';
import { ActivityReporter, whileWaitingForApproval } from './activity.js';
import { gatedRun } from './approval-gate.js';
import { catchUpText } from './catch-up.js';
import type { AgentDefinition } from './config.js';
import { ReplyDeadline } from './deadline.js';
import type { McpToolbox, ToolCallOutcome } from './tools.js';

export interface AgentLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
}

export interface AgentRunnerOptions {
  definition: AgentDefinition;
  /** Connected, or about to be, with the agent's own token. */
  client: RoundtableClient;
  model: LanguageModel;
  toolbox: McpToolbox;
  logger?: AgentLogger;
  /** Milliseconds since the epoch; injected so tests can move the budget's hour. */
  now?: () => number;
}

/** A tool result is clipped to this many characters where it is shown and stored. */
const SHOWN_RESULT_CHARS = 8_000;
/** Messages already answered, remembered so an edit or a replay never gets a second reply. */
const ANSWERED_MEMORY = 5_000;

type ToolCallPart = Extract<MessagePart, { type: 'tool_call' }>;
type ToolCall = { id: string; name: string; input: unknown };
type Observer = (call: ToolCall, run: () => Promise<ToolCallOutcome>) => Promise<unknown>;
/** What a tool call needs of the reply it is part of. */
interface ReplyState {
  trigger: Message;
  deadline: ReplyDeadline;
  /** What the model has said so far: the reason it gives for a call, when it gives one. */
  said: () => string;
}

/** What the model was given from memory, and what the reply's metadata records of it. */
type MemoryItem =
  | { ref: string; kind: 'message'; id: string; room: string; seq: number; sender: string; at: string; text: string }
  | { ref: string; kind: 'note'; id: string; at: string; text: string };

/** How much of a memory item the reply's metadata keeps, in characters. */
const EXCERPT_CHARS = 200;

export class AgentRunner {
  readonly handle: string;
  private readonly definition: AgentDefinition;
  private readonly client: RoundtableClient;
  private readonly model: LanguageModel;
  private readonly toolbox: McpToolbox;
  private readonly logger: AgentLogger | undefined;
  private readonly budget: TokenBudget;
  private readonly now: () => number;
  /** The reply being written, or queued, per room or thread. */
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly answered = new Set<string>();
  private readonly inFlight = new Set<AbortController>();
  private readonly offs: Array<() => void> = [];
  private stopped = false;

  constructor(options: AgentRunnerOptions) {
    this.definition = options.definition;
    this.handle = options.definition.handle;
    this.client = options.client;
    this.model = options.model;
    this.toolbox = options.toolbox;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.budget = new TokenBudget(options.definition.budgets.tokens_per_room_per_hour, this.now);
  }

  start(): void {
    this.offs.push(
      this.client.on('message', (message) => this.consider(message)),
      // Another agent's streamed message is answered once it is complete, not while it streams.
      this.client.on('message.updated', (message) => {
        if (message.sender_kind === 'agent') this.consider(message);
      }),
    );
  }

  /** Stops taking messages, aborts the replies being written, and waits for them to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
    for (const controller of this.inFlight) controller.abort(new Error('The agent is stopping.'));
    await Promise.allSettled([...this.lanes.values()]);
  }

  private consider(message: Message): void {
    if (this.stopped || message.sender === this.handle || message.status !== 'complete' || message.deleted) return;
    // An approval card is for people to decide, not a message to answer.
    if (message.sender_kind === 'system' && message.metadata.approval) return;
    if (this.answered.has(message.id)) return;
    this.answered.add(message.id);
    if (this.answered.size > ANSWERED_MEMORY) this.answered.delete(this.answered.values().next().value!);
    const lane = `${message.room}:${message.thread_id ?? ''}`;
    const previous = this.lanes.get(lane) ?? Promise.resolve();
    const next = previous.then(() => this.reply(message));
    this.lanes.set(lane, next);
    void next.finally(() => {
      if (this.lanes.get(lane) === next) this.lanes.delete(lane);
    });
  }

  private async reply(trigger: Message): Promise<void> {
    if (this.stopped) return;
    const activity = new ActivityReporter(this.client, {
      room: trigger.room,
      ...(trigger.thread_id ? { thread_id: trigger.thread_id } : {}),
    });
    try {
      if (!this.budget.allows(trigger.room)) {
        await this.budgetNotice(trigger);
        return;
      }
      activity.set('thinking');
      const { messages, window, windowStart } = await this.context(trigger);
      const memory = this.definition.memory.enabled ? await this.recall(trigger, window) : [];
      const caughtUp = await this.catchUp(trigger, windowStart);
      const stream = await this.client.startStream(trigger.room, {
        ...(trigger.thread_id ? { thread_id: trigger.thread_id } : {}),
      });
      await this.write(stream, messages, { memory, caughtUp, activity }, trigger);
    } catch (error) {
      this.logger?.warn('could not reply', { message: trigger.id, error: (error as Error).message });
    } finally {
      activity.set('idle');
    }
  }

  /** What happened since the agent last spoke there, beyond the recent window; '' when nothing did. */
  private async catchUp(trigger: Message, windowStart: number): Promise<string> {
    const { catch_up: settings, model } = this.definition;
    if (!settings.enabled) return '';
    try {
      return await catchUpText(
        {
          client: this.client,
          model: this.model,
          settings,
          timeoutMs: model.timeout_ms,
          spend: (tokens) => this.budget.spend(trigger.room, tokens),
          onSummaryFailed: (error) =>
            this.logger?.warn('could not summarize what was missed; trimmed it', { error: (error as Error).message }),
        },
        trigger,
        windowStart,
      );
    } catch (error) {
      this.logger?.warn('could not catch up; answering from the recent window', { error: (error as Error).message });
      return '';
    }
  }

  /** The recent window of the room or thread, oldest first, as the model's conversation. */
  private async context(
    trigger: Message,
  ): Promise<{ messages: ModelMessage[]; window: Set<string>; windowStart: number }> {
    const window = this.definition.reply.window;
    const page = await this.client.history(trigger.room, {
      limit: window,
      ...(trigger.thread_id ? { thread_id: trigger.thread_id } : {}),
    });
    const recent = page.messages.filter((message) => message.seq <= trigger.seq);
    if (!recent.some((message) => message.id === trigger.id)) recent.push(trigger);
    if (trigger.thread_id && !recent.some((message) => message.id === trigger.thread_id)) {
      const root = await this.client.request('message.get', { message: trigger.thread_id }).catch(() => undefined);
      if (root) recent.unshift(root.message);
    }
    const messages = recent
      .filter((message) => !message.deleted && message.content.trim() !== '')
      .map((message): ModelMessage =>
        message.sender === this.handle
          ? { role: 'assistant', content: message.content }
          : { role: 'user', content: `@${message.sender}: ${message.content}` },
      );
    return {
      messages,
      window: new Set(recent.map((message) => message.id)),
      windowStart: Math.min(...recent.map((message) => message.seq)),
    };
  }

  /**
   * The earlier messages and notes most relevant to the message, outside the recent window: the hub
   * ranks them by relevance and recency, within the rooms this agent belongs to.
   */
  private async recall(trigger: Message, window: Set<string>): Promise<MemoryItem[]> {
    const wanted = this.definition.memory.items;
    const query = trigger.content.replace(/@[\w-]+/g, ' ').trim();
    if (!query) return [];
    try {
      // Only what everyone in the room may read: nothing from elsewhere reaches people who could not see it.
      const found = await this.client.searchMemory(query, { for_room: trigger.room, limit: wanted + window.size });
      const items: MemoryItem[] = [];
      for (const { message } of found.messages) {
        if (window.has(message.id) || message.sender === this.handle) continue;
        items.push({
          ref: `m${items.length + 1}`,
          kind: 'message',
          id: message.id,
          room: message.room,
          seq: message.seq,
          sender: message.sender,
          at: message.created_at,
          text: message.content,
        });
      }
      const notes = found.notes.map(({ note }, index) => ({
        ref: `n${index + 1}`,
        kind: 'note' as const,
        id: note.id,
        at: note.created_at,
        text: note.content,
      }));
      // Notes are the agent's own conclusions: they go first when space is short.
      return [...notes, ...items].slice(0, wanted);
    } catch (error) {
      this.logger?.warn('memory search failed; answering without it', { error: (error as Error).message });
      return [];
    }
  }

  private async write(
    stream: MessageStream,
    messages: ModelMessage[],
    { memory, caughtUp, activity }: { memory: MemoryItem[]; caughtUp: string; activity: ActivityReporter },
    trigger: Message,
  ): Promise<void> {
    const { model: settings, budgets, reply } = this.definition;
    const controller = new AbortController();
    this.inFlight.add(controller);
    // A model that goes quiet mid-reply (a third of the time limit) is as stuck as one that never answers.
    const deadline = new ReplyDeadline(settings.timeout_ms, Math.ceil(settings.timeout_ms / 3));
    const timeout = deadline.signal;
    const signal = AbortSignal.any([stream.signal, controller.signal, timeout]);
    const parts = new Map<string, ToolCallPart>();
    let text = '';
    let usage = { input: 0, output: 0 };
    const state: ReplyState = { trigger, deadline, said: () => text };
    try {
      const result = streamText({
        model: this.model,
        system: this.systemPrompt(memory, caughtUp),
        messages,
        tools: this.tools((call, run) => this.observeToolCall(stream, parts, state, call, run, activity), trigger),
        stopWhen: stepCountIs(reply.max_steps),
        maxOutputTokens: budgets.max_tokens_per_reply,
        temperature: settings.temperature,
        // A failure shows at once, with its reason, rather than a silent retry eating the time limit.
        maxRetries: 0,
        abortSignal: signal,
        // The stream's own error part ends the reply visibly; the SDK's default would also print it.
        onError: () => {},
      });
      for await (const part of result.fullStream) {
        deadline.touch();
        if (part.type === 'text-delta') {
          text += part.text;
          stream.append(part.text);
        } else if (part.type === 'finish') {
          usage = { input: part.totalUsage.inputTokens ?? 0, output: part.totalUsage.outputTokens ?? 0 };
        } else if (part.type === 'error') {
          throw part.error;
        } else if (part.type === 'abort') {
          // Not a person's stop: a time limit, or the agent stopping, gave up on the model.
          if (!stream.signal.aborted) throw new ModelSilentError();
          break;
        }
      }
      this.budget.spend(trigger.room, usage.input + usage.output);
      if (stream.signal.aborted) return;
      if (signal.aborted) throw timeout.aborted ? new Error('timeout') : (signal.reason as Error);
      await stream.done({
        content: text,
        parts: [...parts.values()],
        metadata: {
          model: settings.name,
          usage: { input_tokens: usage.input, output_tokens: usage.output },
          in_reply_to: trigger.id,
          // The context behind the answer, for people to see: what memory the model was given.
          memory: memory.map(({ text, ...item }) => ({ ...item, excerpt: excerpt(text) })),
        },
      });
    } catch (error) {
      // Stopped by a person: the hub has already ended the message as cancelled.
      if (stream.signal.aborted) return;
      const reason = controller.signal.aborted
        ? 'The agent stopped before it finished this reply.'
        : timeout.aborted || error instanceof ModelSilentError
          ? `The model did not answer within ${settings.timeout_ms / 1000} s.`
          : describe(error);
      this.logger?.warn('reply failed', { message: trigger.id, reason });
      await stream.error(reason).catch(() => undefined);
    } finally {
      deadline.clear();
      this.inFlight.delete(controller);
    }
  }

  private systemPrompt(memory: MemoryItem[], caughtUp: string): string {
    const tools = [...this.toolbox.names, ...(this.definition.memory.enabled ? ['remember', 'recall'] : [])];
    return [
      this.definition.system_prompt,
      `You are @${this.handle} in a group chat. Messages from others start with their @handle.`,
      tools.length > 0 ? `You can call these tools: ${tools.join(', ')}.` : '',
      memory.length > 0
        ? 'Earlier messages and your notes that may be relevant; when you use one, cite it as [m1], [n1]...\n' +
          memory
            .map((item) =>
              item.kind === 'message'
                ? `[${item.ref}] @${item.sender}, ${item.at.slice(0, 10)}: ${item.text}`
                : `[${item.ref}] your note, ${item.at.slice(0, 10)}: ${item.text}`,
            )
            .join('\n')
        : '',
      caughtUp,
    ]
      .filter(Boolean)
      .join('\n\n');
  }

  /** The MCP tools, and with memory on, `remember` and `recall`, which the hub serves to this agent alone. */
  private tools(observe: Observer, trigger: Message): ToolSet {
    const tools = this.toolbox.toolSet(observe);
    if (!this.definition.memory.enabled) return tools;
    tools.remember = dynamicTool({
      description: 'Saves a note for yourself, to be recalled in later conversations.',
      inputSchema: jsonSchema({
        type: 'object',
        properties: { note: { type: 'string', description: 'What to remember, self-contained' } },
        required: ['note'],
      }),
      execute: (input, { toolCallId }) =>
        observe({ id: toolCallId, name: 'remember', input }, async () => {
          const note = await this.client.saveNote(String((input as { note: unknown }).note), trigger.room);
          return { ok: true, result: { saved: note.id } };
        }),
    });
    tools.recall = dynamicTool({
      description: 'Searches your notes and the earlier messages of your rooms.',
      inputSchema: jsonSchema({
        type: 'object',
        properties: { query: { type: 'string', description: 'Words to look for' } },
        required: ['query'],
      }),
      execute: (input, { toolCallId }) =>
        observe({ id: toolCallId, name: 'recall', input }, async () => {
          const found = await this.client.searchMemory(String((input as { query: unknown }).query), {
            for_room: trigger.room,
            limit: 5,
          });
          return {
            ok: true,
            result: [
              ...found.notes.map(({ note }) => ({ note: note.content, at: note.created_at })),
              ...found.messages.map(({ message }) => ({
                from: message.sender,
                at: message.created_at,
                text: message.content,
              })),
            ],
          };
        }),
    });
    return tools;
  }

  /** Shows the call in the reply while it waits for approval (`pending`) and runs, then its outcome. */
  private async observeToolCall(
    stream: MessageStream,
    parts: Map<string, ToolCallPart>,
    reply: ReplyState,
    call: ToolCall,
    run: () => Promise<ToolCallOutcome>,
    activity: ActivityReporter,
  ): Promise<unknown> {
    const started = this.now();
    const show = (status: ToolCallPart['status'], extra: Partial<ToolCallPart> = {}) => {
      const part: ToolCallPart = {
        type: 'tool_call',
        id: call.id,
        name: call.name,
        arguments: call.input,
        status,
        ...extra,
      };
      parts.set(call.id, part);
      stream.part(part);
    };
    const policy = this.toolbox.policy(call.name);
    show(policy === 'ask' ? 'pending' : 'running');
    activity.set('tool', call.name);
    const outcome = await gatedRun({
      client: this.client,
      definition: this.definition,
      trigger: reply.trigger,
      call,
      policy,
      reason: reply.said(),
      hold: (work) => reply.deadline.hold(() => whileWaitingForApproval(activity, call.name, work())),
      run: () => {
        if (policy === 'ask') show('running');
        return run();
      },
    }).catch((error: unknown) => ({ ok: false, result: (error as Error).message }));
    // The model is called again with the result.
    activity.set('thinking');
    show(outcome.ok ? 'ok' : 'error', {
      result: clip(outcome.result),
      duration_ms: Math.max(0, this.now() - started),
    });
    return outcome.ok ? outcome.result : { error: outcome.result };
  }

  private async budgetNotice(trigger: Message): Promise<void> {
    if (!this.budget.shouldNotify(trigger.room)) return;
    const minutes = Math.ceil(this.budget.msUntilAllowed(trigger.room) / 60_000);
    await this.client.send(
      trigger.room,
      `@${trigger.sender} I have used my token budget for this room for this hour ` +
        `(${this.definition.budgets.tokens_per_room_per_hour.toLocaleString('en-US')} tokens); ` +
        `I can answer again in about ${minutes} min.`,
      {
        ...(trigger.thread_id ? { thread_id: trigger.thread_id } : {}),
        metadata: { notice: 'budget_exhausted', in_reply_to: trigger.id },
      },
    );
  }
}

class ModelSilentError extends Error {}

function excerpt(text: string): string {
  return text.length <= EXCERPT_CHARS ? text : `${text.slice(0, EXCERPT_CHARS)}…`;
}

function clip(value: unknown): unknown {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text === undefined || text.length <= SHOWN_RESULT_CHARS) return value;
  return `${text.slice(0, SHOWN_RESULT_CHARS)}… (${text.length - SHOWN_RESULT_CHARS} more characters)`;
}

/** A model failure as the room sees it: what went wrong, never a key or a stack. */
function describe(error: unknown): string {
  const status = (error as { statusCode?: number }).statusCode;
  const message = error instanceof Error ? error.message : String(error);
  return `The model failed${status ? ` (HTTP ${status})` : ''}: ${message.slice(0, 300)}`;
}
