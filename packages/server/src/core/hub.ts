/**
 * The hub: builds its features over one shared context (context.ts) and runs their lifecycle.
 * Each feature is a file of core/ named after it; transports call them as `hub.<feature>.<change>`.
 * The core knows no socket, no driver and no HTTP.
 */
import { CloseCode } from '@roundtable/protocol';
import { Accounts } from './accounts.js';
import { ActivityBoard } from './activity.js';
import { AgentRoster } from './agent-roster.js';
import { Approvals } from './approvals.js';
import { Budgets } from './budgets.js';
import { CatchUp } from './catch-up.js';
import { HubContext, type HubOptions, type HubStats } from './context.js';
import { Conversations } from './conversations.js';
import { FanOut } from './fanout.js';
import { Groups } from './groups.js';
import { History } from './history.js';
import { Inbox } from './inbox.js';
import { LoopDetector } from './loop-detector.js';
import { Memory } from './memory.js';
import { Messages } from './messages.js';
import { Outbox } from './outbox.js';
import { OneTimeCodes } from './one-time-codes.js';
import type { Store } from './ports.js';
import { Presence } from './presence.js';
import { Receipts } from './receipts.js';
import { FileReservations } from './reservations.js';
import { Rooms } from './rooms.js';
import { Search } from './search.js';
import type { SessionRegistry } from './sessions.js';
import { Streams } from './streams.js';
import { TaskBoard } from './tasks.js';
import { Usage } from './usage.js';
import { WakeBudget } from './wake-budget.js';

export type { Authenticated, HubLogger, HubOptions, HubStats } from './context.js';

export class Hub {
  readonly presence: Presence;
  readonly rooms: Rooms;
  readonly receipts: Receipts;
  readonly accounts: Accounts;
  readonly groups: Groups;
  readonly codes: OneTimeCodes;
  readonly budgets: Budgets;
  readonly wakeBudget: WakeBudget;
  readonly loops: LoopDetector;
  readonly usage: Usage;
  readonly roster: AgentRoster;
  readonly streams: Streams;
  readonly messages: Messages;
  readonly history: History;
  readonly conversations: Conversations;
  readonly memory: Memory;
  readonly search: Search;
  readonly fanout: FanOut;
  readonly inbox: Inbox;
  readonly outbox: Outbox;
  readonly tasks: TaskBoard;
  readonly reservations: FileReservations;
  readonly activity: ActivityBoard;
  readonly catchUp: CatchUp;
  readonly approvals: Approvals;
  private readonly ctx: HubContext;

  constructor(options: HubOptions) {
    const ctx = (this.ctx = new HubContext(options));
    // Features that need a later one get a function that reaches it when called, not when built.
    this.presence = new Presence(ctx);
    this.receipts = new Receipts(ctx, this.presence, (actor, messageId) => this.messages.messageFor(actor, messageId));
    this.rooms = new Rooms(
      ctx,
      (memberId) => this.presence.presenceOf(memberId),
      (roomId, memberId, from, seq) => this.receipts.read(roomId, memberId, from, seq),
    );
    this.accounts = new Accounts(ctx, this.rooms, this.presence);
    this.codes = new OneTimeCodes(ctx, this.accounts);
    this.groups = new Groups(ctx);
    const notice = (roomId: string, content: string, metadata: Record<string, unknown>) =>
      this.messages.postSystem(roomId, content, { metadata });
    this.budgets = new Budgets(ctx, notice);
    this.wakeBudget = new WakeBudget(ctx, notice);
    this.loops = new LoopDetector(ctx, notice);
    this.usage = new Usage(ctx);
    this.roster = new AgentRoster(ctx, this.accounts, this.presence, this.budgets);
    this.streams = new Streams(ctx, {
      send: (actor, params, status) => this.messages.send(actor, params, status),
      messageFor: (actor, messageId) => this.messages.messageFor(actor, messageId),
      finished: (actor, roomId, content, audience, metadata) =>
        this.messages.streamFinished(actor, roomId, content, audience, metadata),
    });
    this.messages = new Messages(
      ctx,
      this.streams,
      this.budgets,
      this.receipts,
      { wakeBudget: this.wakeBudget, loops: this.loops, usage: this.usage },
      {
        untitledConversation: (sender, roomId, message) =>
          this.conversations.titleFromFirstMessage(sender, roomId, message),
      },
    );
    this.history = new History(ctx, this.streams, (member, messages) =>
      this.receipts.deliveredMessages(member, messages),
    );
    this.conversations = new Conversations(ctx, this.rooms, this.messages);
    this.memory = new Memory(ctx);
    this.search = new Search(ctx);
    this.fanout = new FanOut(ctx, this.presence, {
      sessionEnded: (session) => this.tasks.workers.unregister(session.id),
      cancelStream: (message) => this.streams.onCancel(message),
      messageUpdated: (message) => this.streams.messageUpdated(message),
      delivered: (event, member, listensToAll) => this.receipts.deliveredEvent(event, member, listensToAll),
      attached: (rooms) => this.receipts.noteRooms(rooms),
    });
    this.inbox = new Inbox(ctx, {
      watchEvents: (watcher) => this.fanout.watchEvents(watcher),
      withStreamContent: (message) => this.streams.withStreamContent(message),
      delivered: (member, messages) => this.receipts.deliveredMessages(member, messages),
      acknowledged: (member, roomId, from, seq) => this.receipts.read(roomId, member.id, from, seq),
    });
    this.outbox = new Outbox(ctx, this.inbox, this.streams);
    this.tasks = new TaskBoard(ctx, {
      ensureMember: async (roomId, member) => {
        if (!(await ctx.roomMembers(roomId)).has(member.id))
          await this.rooms.addToRoom(roomId, member, ctx.system, 'member');
      },
      createTaskRoom: async (creator, name, topic) =>
        ctx.resolveRoom(
          (await this.rooms.createRoom(creator, { name, kind: 'private', topic: topic.slice(0, 1000) })).id,
        ),
      postSystem: (roomId, content, options) => this.messages.postSystem(roomId, content, options),
      acted: (roomId, memberId, threadId) => this.receipts.actedOnThread(roomId, memberId, threadId),
    });
    this.reservations = new FileReservations(ctx, this.tasks.access);
    this.activity = new ActivityBoard(ctx);
    this.catchUp = new CatchUp(ctx, this.streams);
    this.approvals = new Approvals(ctx, {
      postSystem: (roomId, content, options) => this.messages.postSystem(roomId, content, options),
      watchEvents: (watcher) => this.fanout.watchEvents(watcher),
    });
  }

  get store(): Store {
    return this.ctx.store;
  }

  get sessions(): SessionRegistry {
    return this.ctx.sessions;
  }

  get stats(): HubStats {
    return this.ctx.stats;
  }

  /** Identifies this hub instance to the others on the bus. */
  get instanceId(): string {
    return this.ctx.instanceId;
  }

  get version(): string {
    return this.ctx.settings.version;
  }

  get heartbeatMs(): number {
    return this.ctx.settings.heartbeatMs;
  }

  get openRegistration(): boolean {
    return this.ctx.settings.openRegistration;
  }

  /** How many event watchers are registered: lets a test know a wait is in place before it sends. */
  get eventWatcherCount(): number {
    return this.fanout.eventWatcherCount;
  }

  /**
   * Loads what the hub keeps in memory and, on an empty store, creates the system member, the
   * first admin and the default room. When it did, returns the first admin's token and a setup
   * code with which the admin chooses a password in the web UI.
   */
  async start(): Promise<{ adminToken?: string; setupCode?: string }> {
    const { adminToken } = await this.accounts.start();
    this.accounts.lifetimes.start();
    const setupCode = adminToken ? (await this.codes.setupCode('admin')).code : undefined;
    await this.streams.start();
    this.tasks.start();
    this.presence.start();
    this.activity.start();
    await this.approvals.start();
    return { adminToken, setupCode };
  }

  /** Closes every session with `code` and stops background work; the store is closed by its owner. */
  stop(code: number = CloseCode.GoingAway, reason = 'server shutting down'): void {
    this.accounts.lifetimes.stop();
    this.streams.stop();
    this.approvals.stop();
    this.presence.stop();
    this.activity.stop();
    this.tasks.stop();
    this.fanout.stop(code, reason);
  }

  /** Releases what outlives the transports (receipts still being recorded, the schema checker's thread): call after they have drained. */
  async close(): Promise<void> {
    await this.receipts.close();
    await this.tasks.close();
  }
}
