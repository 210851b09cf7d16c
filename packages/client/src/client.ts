/** The Roundtable WebSocket client: one authenticated connection, resumed by cursor across drops, with typed requests and events. */
import type {
  Activity,
  Conversation,
  CreateRoomParams,
  FileReservation,
  Member,
  MemberKind,
  Message,
  MessageResult,
  Note,
  Receipt,
  RequestParams,
  ResultMap,
  Room,
  RoomMember,
  RoomSummary,
  Task,
  TaskClaim,
  TaskVerdict,
  WorkerInfo,
} from '@roundtable/protocol';
import { HubConnection, newClientId } from './connection.js';
import type { HistoryOptions, SendOptions, StreamOptions } from './options.js';
import type { MessageStream } from './stream.js';

/** The Roundtable WebSocket client: the hub's requests as methods over one resumed connection. */
export class RoundtableClient extends HubConnection {
  /** A client_id is generated unless given, so a re-send after a reconnect cannot post twice. */
  send(room: string, content: string, options: SendOptions = {}): Promise<MessageResult> {
    return this.request('send', { ...options, room, content, client_id: options.client_id ?? newClientId() });
  }

  async edit(messageId: string, content: string): Promise<Message> {
    return (await this.request('edit', { message: messageId, content })).message;
  }

  async delete(messageId: string): Promise<void> {
    await this.request('delete', { message: messageId });
  }

  /** Resolves false when the reaction was already there. */
  async react(messageId: string, emoji: string): Promise<boolean> {
    return (await this.request('react', { message: messageId, emoji })).changed;
  }

  /** Resolves false when there was no such reaction. */
  async unreact(messageId: string, emoji: string): Promise<boolean> {
    return (await this.request('unreact', { message: messageId, emoji })).changed;
  }

  /** How far a message got with each member it addresses: stored, delivered, read or acted, with when. */
  async receipts(messageId: string): Promise<Receipt[]> {
    return (await this.request('message.receipts', { message: messageId })).receipts;
  }

  async markRead(room: string, seq: number): Promise<void> {
    await this.request('read', { room, seq });
  }

  /** Fire-and-forget: a typing signal is stale by the time a reconnect could repeat it. */
  typing(room: string, active = true, threadId?: string): void {
    if (this.authed) this.notify('typing', { room, active, thread_id: threadId });
  }

  /** This member's activity in a room; `idle` clears it. What holds now: `request('activity.list', {})`. */
  async setActivity(params: RequestParams<'activity'>): Promise<Activity> {
    return (await this.request('activity', params)).activity;
  }

  /** Catching up: the newest messages of a room (or thread) after your own last message there. */
  sinceLastSpoke(room: string, options: Omit<RequestParams<'since_last_spoke'>, 'room'> = {}) {
    return this.request('since_last_spoke', { ...options, room });
  }

  async setPresence(status: 'online' | 'away'): Promise<void> {
    await this.request('presence', { status });
  }

  history(room: string, options: HistoryOptions = {}): Promise<ResultMap['history']> {
    return this.request('history', { ...options, room });
  }

  /** Asks the hub to replay events after `after` as 'event' frames; those at or below this room's cursor are dropped as seen. */
  sync(room: string, after: number, limit?: number): Promise<ResultMap['sync']> {
    return this.request('sync', { room, after, limit });
  }

  /** Messages of your rooms (or of `room`) and your own notes matching the words of `query`, best first. */
  searchMemory(
    query: string,
    options: { room?: string; for_room?: string; limit?: number } = {},
  ): Promise<ResultMap['memory.search']> {
    return this.request('memory.search', { query, ...options });
  }

  /** Messages you may read matching the words of `query`, narrowed by room, sender, time or thread; paged by `offset`. */
  searchMessages(
    query: string,
    options: Omit<RequestParams<'messages.search'>, 'query'> = {},
  ): Promise<ResultMap['messages.search']> {
    return this.request('messages.search', { query, ...options });
  }

  /** Saves a note only you will find with `searchMemory`; `room` says what it is about. */
  async saveNote(content: string, room?: string): Promise<Note> {
    return (await this.request('memory.save', { content, ...(room ? { room } : {}) })).note;
  }

  /** Starts a private conversation with an agent; the first message titles it. Send and read it as a room. */
  startConversation(
    agent: string,
    content: string,
    clientId = newClientId(),
  ): Promise<ResultMap['conversation.create']> {
    return this.request('conversation.create', { agent, content, client_id: clientId });
  }

  /** A page of your conversations, most recently active first; pass its `next` as `cursor` for the one after. */
  conversations(params: RequestParams<'conversation.list'> = {}): Promise<ResultMap['conversation.list']> {
    return this.request('conversation.list', params);
  }

  async renameConversation(id: string, title: string): Promise<Conversation> {
    return (await this.request('conversation.rename', { conversation: id, title })).conversation;
  }

  async deleteConversation(id: string): Promise<void> {
    await this.request('conversation.delete', { conversation: id });
  }

  async rooms(): Promise<RoomSummary[]> {
    return (await this.request('rooms.list', { scope: 'joined' })).rooms as RoomSummary[];
  }

  async publicRooms(): Promise<Room[]> {
    return (await this.request('rooms.list', { scope: 'public' })).rooms;
  }

  async createRoom(params: CreateRoomParams): Promise<Room> {
    return (await this.request('room.create', params)).room;
  }

  /** Opens (or finds) the direct room with these members. */
  async openDirect(handles: string[]): Promise<Room> {
    return (await this.request('room.direct', { members: handles })).room;
  }

  async join(room: string): Promise<Room> {
    return (await this.request('room.join', { room })).room;
  }

  async leave(room: string): Promise<void> {
    await this.request('room.leave', { room });
  }

  async invite(room: string, handle: string): Promise<void> {
    await this.request('room.invite', { room, member: handle });
  }

  async roomMembers(room: string): Promise<RoomMember[]> {
    return (await this.request('room.members', { room })).members;
  }

  async members(kind?: MemberKind): Promise<Member[]> {
    return (await this.request('members.list', { kind })).members;
  }

  /** Creates a streaming message and resolves once the hub has it, so deltas can follow. */
  async startStream(room: string, options: StreamOptions = {}): Promise<MessageStream> {
    const client_id = options.client_id ?? newClientId();
    const { message } = await this.request('stream.start', { ...options, room, client_id });
    return this.streams.start(this, message);
  }

  /** A client_id is generated unless given, so a re-send after a reconnect cannot create the task twice. */
  async createTask(params: RequestParams<'task.create'>): Promise<Task> {
    return (await this.request('task.create', { ...params, client_id: params.client_id ?? newClientId() })).task;
  }

  async getTask(id: string): Promise<Task> {
    return (await this.request('task.get', { task: id })).task;
  }

  listTasks(params: RequestParams<'task.list'> = {}): Promise<ResultMap['task.list']> {
    return this.request('task.list', params);
  }

  async cancelTask(id: string, reason?: string): Promise<Task> {
    return (await this.request('task.cancel', { task: id, reason })).task;
  }

  /**
   * Offers this connection as a worker: the hub pushes tasks it may take as 'task.assigned' events.
   * `capabilities` narrows the ones the hub granted this agent (default: all); repeat after each reconnect.
   */
  async registerWorker(capabilities?: string[], concurrency = 1): Promise<void> {
    await this.request('worker.register', { ...(capabilities ? { capabilities } : {}), concurrency });
  }

  /** Claims the next pending task this agent can do, or resolves null when there is none. */
  async claimTask(capabilities?: string[]): Promise<TaskClaim | null> {
    return (await this.request('task.claim', { capabilities })).claim;
  }

  /** Renews the lease; the first heartbeat also marks the task running. */
  /** Keeps the lease; `progress` (0 to 1) and its `note` are kept on the task and shown on the board. */
  heartbeatTask(
    id: string,
    lease: string,
    progress: { progress?: number; note?: string } = {},
  ): Promise<ResultMap['task.heartbeat']> {
    return this.request('task.heartbeat', { task: id, lease, ...progress });
  }

  /** The workers registered on any of the hub's instances, with the tasks they hold that you may see. */
  async listWorkers(): Promise<WorkerInfo[]> {
    return (await this.request('worker.list', {})).workers;
  }

  reportTask(
    id: string,
    lease: string,
    result: RequestParams<'task.report'>['result'],
  ): Promise<{ task: Task; verdict: TaskVerdict }> {
    return this.request('task.report', { task: id, lease, result });
  }

  async releaseTask(id: string, lease: string, reason?: string): Promise<Task> {
    return (await this.request('task.release', { task: id, lease, reason })).task;
  }

  async askTask(id: string, lease: string, question: string): Promise<Task> {
    return (await this.request('task.ask', { task: id, lease, question })).task;
  }

  async answerTask(id: string, answer: string): Promise<Task> {
    return (await this.request('task.answer', { task: id, answer })).task;
  }

  async acceptTask(id: string): Promise<Task> {
    return (await this.request('task.accept', { task: id })).task;
  }

  async rejectTask(id: string, feedback: string): Promise<Task> {
    return (await this.request('task.reject', { task: id, feedback })).task;
  }

  /** Reserves paths or globs; rejects with `reservation_conflict` (details name the holder and task) when someone else holds them. */
  async reserveFiles(
    patterns: string[],
    options: { mode?: 'exclusive' | 'shared'; ttl_ms?: number; task?: string } = {},
  ): Promise<FileReservation[]> {
    return (await this.request('files.reserve', { patterns, ...options })).reservations;
  }

  /** Releases this member's reservations on `patterns`, or all of them. */
  async releaseFiles(patterns?: string[]): Promise<number> {
    return (await this.request('files.release', { patterns })).released;
  }

  async listReservations(holder?: string): Promise<FileReservation[]> {
    return (await this.request('files.list', { holder })).reservations;
  }

  /** Stops someone's streaming message, as a person pressing stop does. */
  async cancelStream(messageId: string): Promise<Message> {
    return (await this.request('stream.cancel', { message: messageId })).message;
  }
}
