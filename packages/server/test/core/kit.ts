/**
 * What the core unit tests share: a hub context over the real SQLite store on `:memory:`, the
 * in-process bus and a clock that moves only when told to. No socket, no HTTP, no Hub façade:
 * each test builds the feature it tests and the few it depends on, wired as hub.ts wires them.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { LocalBus } from '../../src/bus/local-bus.js';
import { Budgets } from '../../src/core/budgets.js';
import { HubContext, type HubOptions } from '../../src/core/context.js';
import { HubError } from '../../src/core/hub-error.js';
import { newId } from '../../src/core/ids.js';
import { LoopDetector } from '../../src/core/loop-detector.js';
import { Messages, type SendHooks } from '../../src/core/messages.js';
import { Presence } from '../../src/core/presence.js';
import { Receipts } from '../../src/core/receipts.js';
import type { Rooms } from '../../src/core/rooms.js';
import { TaskBoard } from '../../src/core/tasks.js';
import type {
  BusMessage,
  Clock,
  MemberRecord,
  MembershipRecord,
  RoomRecord,
  StoredEvent,
} from '../../src/core/ports.js';
import type { Connection, Session } from '../../src/core/sessions.js';
import { Streams } from '../../src/core/streams.js';
import { Usage } from '../../src/core/usage.js';
import { WakeBudget } from '../../src/core/wake-budget.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';

/** Time that stands still until the test moves it: rate limits, leases and budgets never refill behind its back. */
export class ManualClock implements Clock {
  constructor(private time = Date.parse('2030-01-01T09:00:00.000Z')) {}

  now(): number {
    return this.time;
  }

  advance(ms: number): void {
    this.time += ms;
  }
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  object: object;
  message: string | undefined;
}

export interface CoreKit {
  ctx: HubContext;
  store: SqliteStore;
  bus: LocalBus;
  clock: ManualClock;
  /** Every bus message, in publish order. */
  published: BusMessage[];
  logs: LogLine[];
}

export type KitOptions = Partial<Omit<HubOptions, 'store' | 'bus' | 'logger' | 'clock'>> & {
  /** Create the system member (default true); accounts' start() wants an empty store. */
  system?: boolean;
};

export async function coreContext(t: TestContext, options: KitOptions = {}): Promise<CoreKit> {
  const { system = true, ...hubOptions } = options;
  const store = new SqliteStore({ path: ':memory:' });
  const bus = new LocalBus();
  const clock = new ManualClock();
  const published: BusMessage[] = [];
  const logs: LogLine[] = [];
  const log = (level: LogLine['level']) => (object: object, message?: string) => logs.push({ level, object, message });
  bus.subscribe((message) => published.push(message));
  const ctx = new HubContext({
    version: 'test',
    ...hubOptions,
    store,
    bus,
    clock,
    logger: { info: log('info'), warn: log('warn'), error: log('error') },
  });
  t.after(async () => {
    try {
      // A feature that swallowed a failure into the log (a notice not posted, a watcher that threw) fails the test.
      assert.deepEqual(
        logs.filter((line) => line.level !== 'info'),
        [],
        'nothing was logged as a warning or an error',
      );
    } finally {
      await ctx.limiter.close();
      await bus.close();
      await store.close();
    }
  });
  if (system) ctx.system = await addMember(ctx, 'system', 'system');
  return { ctx, store, bus, clock, published, logs };
}

/** A member row made straight through the store, as an admin's tooling or a migration would. */
export function addMember(
  ctx: HubContext,
  handle: string,
  kind: MemberRecord['kind'] = 'person',
  role: MemberRecord['role'] = 'member',
  extra: { capabilities?: string[] } = {},
): Promise<MemberRecord> {
  return ctx.store.createMember({
    id: newId('m'),
    handle,
    display_name: handle,
    kind,
    role,
    description: '',
    capabilities: extra.capabilities ?? [],
    owner_id: null,
    password_hash: null,
    created_at: ctx.now(),
  });
}

/**
 * A room made straight through the store (the first member owns it), its joins published as
 * Rooms would: for features that need a room to exist but do not make rooms themselves.
 */
export async function addRoom(
  ctx: HubContext,
  name: string | null,
  kind: RoomRecord['kind'],
  members: MemberRecord[],
): Promise<RoomRecord> {
  const at = ctx.now();
  const { room, events } = await ctx.store.createRoom(
    {
      id: newId('r'),
      name,
      kind,
      topic: '',
      created_by: members[0]!.handle,
      created_at: at,
      agent_depth_limit: ctx.settings.defaultAgentDepthLimit,
      direct_key: null,
      title: null,
    },
    members.map((member, index): Omit<MembershipRecord, 'read_seq'> => ({
      room_id: '',
      member_id: member.id,
      role: index === 0 ? 'owner' : 'member',
      joined_at: at,
      notify: 'all',
      listen: 'addressed',
    })),
    (membership) => {
      const member = members.find((candidate) => candidate.id === membership.member_id)!;
      return {
        kind: 'member.joined',
        actor: members[0]!.handle,
        at,
        data: { member: member.handle, member_id: member.id, kind: member.kind },
        agents: null,
      };
    },
  );
  for (const event of events) ctx.publishEvent(event);
  return room;
}

/**
 * Messages, Streams, Budgets and the agent checks, which reach each other, wired as hub.ts wires them;
 * `hooks` by default leave untitled conversations untitled (conversations.test.ts wires its own).
 */
export function messaging(
  ctx: HubContext,
  hooks: SendHooks = { untitledConversation: noReceipts },
): {
  messages: Messages;
  streams: Streams;
  budgets: Budgets;
  receipts: Receipts;
  /** Budget notices posted so far: the budget posts them without waiting, a test waits for them here. */
  notices: Array<Promise<unknown>>;
} {
  const notices: Array<Promise<unknown>> = [];
  const budgets: Budgets = new Budgets(ctx, (roomId, content, metadata) => {
    const posted = messages.postSystem(roomId, content, { metadata });
    notices.push(posted);
    return posted;
  });
  const streams: Streams = new Streams(ctx, {
    send: (actor, params, status) => messages.send(actor, params, status),
    messageFor: (actor, messageId) => messages.messageFor(actor, messageId),
    finished: (actor, roomId, content, audience, metadata) =>
      messages.streamFinished(actor, roomId, content, audience, metadata),
  });
  const receipts = new Receipts(ctx, new Presence(ctx), (actor, messageId) => messages.messageFor(actor, messageId));
  const notice = (roomId: string, content: string, metadata: Record<string, unknown>) =>
    messages.postSystem(roomId, content, { metadata });
  const messages: Messages = new Messages(
    ctx,
    streams,
    budgets,
    receipts,
    { wakeBudget: new WakeBudget(ctx, notice), loops: new LoopDetector(ctx, notice), usage: new Usage(ctx) },
    hooks,
  );
  return { messages, streams, budgets, receipts, notices };
}

/** The task board with its host wired as hub.ts wires it: rooms made and joined, notices posted. */
export function taskBoard(ctx: HubContext, rooms: Rooms, messages: Messages): TaskBoard {
  return new TaskBoard(ctx, {
    ensureMember: async (roomId, member) => {
      if (!(await ctx.roomMembers(roomId)).has(member.id)) await rooms.addToRoom(roomId, member, ctx.system, 'member');
    },
    createTaskRoom: async (creator, name, topic) =>
      ctx.resolveRoom((await rooms.createRoom(creator, { name, kind: 'private', topic: topic.slice(0, 1000) })).id),
    postSystem: (roomId, content, options) => messages.postSystem(roomId, content, options),
    acted: noReceipts,
  });
}

/** For a feature whose receipts a test does not look at (receipts.test.ts covers them): nothing is recorded. */
export async function noReceipts(): Promise<void> {}

/** The HubError that `work` fails with; fails the test when it succeeds or throws anything else. */
export async function refusal(work: Promise<unknown> | (() => unknown)): Promise<HubError> {
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal, but it succeeded');
}

/** A logged event whose data a test reads freely: it asserts on the values, whatever their declared shape. */
export type SeenEvent = Omit<StoredEvent, 'data'> & { data: any };

/** The events published on the bus so far, optionally of one kind or room. */
export function eventsOf(published: BusMessage[], filter: { kind?: string; room?: string } = {}): SeenEvent[] {
  return published
    .filter((message): message is Extract<BusMessage, { kind: 'event' }> => message.kind === 'event')
    .map((message): SeenEvent => message.event)
    .filter(
      (event) =>
        (filter.kind === undefined || event.kind === filter.kind) && (filter.room ?? event.room) === event.room,
    );
}

/** A client connection that keeps what it was sent. */
export class RecordingConnection implements Connection {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | undefined;
  session: Session | undefined;
  /** Called with each frame as it is sent, before the next one: lets a test act at an exact moment. */
  onFrame: ((frame: any) => void) | undefined;

  send(frame: string): void {
    this.frames.push(frame);
    this.onFrame?.(JSON.parse(frame));
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }

  bind(session: Session): void {
    this.session = session;
  }

  /** The frames as objects. */
  get received(): any[] {
    return this.frames.map((frame) => JSON.parse(frame));
  }

  ofType(type: string): any[] {
    return this.received.filter((frame) => frame.type === type);
  }
}
