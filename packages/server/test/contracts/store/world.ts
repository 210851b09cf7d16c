/**
 * What every part of the Store contract builds on: how a suite opens a store, and a World that
 * writes records the way the core would.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import type { ListenMode, MemberKind, Message, MessagePart, MessageStatus } from '@roundtable/protocol';
import { HubError } from '../../../src/core/hub-error.js';
import type {
  EventDraft,
  InsertMessageResult,
  MemberRecord,
  MembershipRecord,
  NewMember,
  NewMessage,
  RoomRecord,
  Store,
  StoredEvent,
} from '../../../src/core/ports.js';

export interface OpenedStore {
  store: Store;
  /**
   * Opens a second store over the same data, once `store` is closed. Leave it out when the adapter
   * cannot (a throwaway in-memory database); the durability test then checks only that queued
   * writes resolved.
   */
  reopen?: () => Promise<Store>;
}

/**
 * Opens an empty store, isolated from every other test, and registers its teardown on `t`
 * (closing every store it opened, then removing its data). Tests may close the store themselves,
 * so the teardown must tolerate a store that is already closed.
 */
export type StoreFactory = (t: TestContext) => Promise<OpenedStore>;

type NewRoom = Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at' | 'agent_wake_limit'>;
type NewMembership = Omit<MembershipRecord, 'read_seq'>;

interface SendOptions {
  id?: string;
  content?: string;
  /** Mentioned members: their handles go in `mentions`, their ids in `addressed`. */
  mentions?: MemberRecord[];
  /** Targeted members: their handles go in `targets`, their ids in `addressed`. */
  targets?: MemberRecord[];
  mentionAll?: boolean;
  /** Agents the core decided to wake; the event lists them unless the store reports it quiet. */
  wake?: MemberRecord[];
  /** Overrides the agents of the message.created event, to build unusual events on purpose. */
  eventAgents?: string[] | null;
  threadId?: string;
  clientId?: string;
  status?: MessageStatus;
  parts?: MessagePart[];
  metadata?: Record<string, unknown>;
  /** Members whose receipts the message keeps. */
  receipts?: MemberRecord[];
  /** The time the core gives the message; by default the world's next second. */
  at?: string;
}

/**
 * Builds records the way the core would, with ids derived from handles and names, and a clock
 * that moves one second per call so that every timestamp is distinct and ordered.
 */
export class World {
  private seconds = 0;
  private messageCount = 0;

  constructor(readonly store: Store) {}

  now(): string {
    return new Date(Date.UTC(2030, 0, 1) + 1000 * this.seconds++).toISOString();
  }

  /** Moves the world's clock on, so what is written next is that much younger. */
  skipDays(days: number): void {
    this.seconds += days * 86_400;
  }

  newMember(handle: string, kind: MemberKind = 'person', extra: Partial<NewMember> = {}): NewMember {
    return {
      id: `m_${handle}`,
      handle,
      display_name: `${handle[0]!.toUpperCase()}${handle.slice(1)}`,
      kind,
      role: 'member',
      description: '',
      capabilities: [],
      owner_id: null,
      password_hash: null,
      created_at: this.now(),
      ...extra,
    };
  }

  member(handle: string, kind: MemberKind = 'person', extra: Partial<NewMember> = {}): Promise<MemberRecord> {
    return this.store.createMember(this.newMember(handle, kind, extra));
  }

  membership(roomId: string, member: MemberRecord, extra: Partial<NewMembership> = {}): NewMembership {
    return {
      room_id: roomId,
      member_id: member.id,
      role: 'member',
      joined_at: this.now(),
      notify: 'all',
      listen: 'addressed',
      ...extra,
    };
  }

  draft(
    kind: EventDraft['kind'],
    actor: MemberRecord,
    data: Record<string, unknown> = {},
    agents: string[] | null = null,
  ): EventDraft {
    // The store keeps any event's data as it is given: these drafts need not match their kind's shape.
    return { kind, actor: actor.handle, at: this.now(), data, agents } as EventDraft;
  }

  joined(by: MemberRecord, memberId: string): EventDraft {
    return this.draft('member.joined', by, { member_id: memberId }, null);
  }

  newRoom(name: string | null, creator: MemberRecord, extra: Partial<NewRoom> = {}): NewRoom {
    return {
      id: `r_${name ?? extra.direct_key ?? this.messageCount}`,
      name,
      kind: 'public',
      topic: '',
      created_by: creator.handle,
      created_at: this.now(),
      agent_depth_limit: 5,
      direct_key: null,
      title: null,
      ...extra,
    };
  }

  /** Creates a room whose first member is its owner and creator. */
  async room(
    name: string | null,
    members: MemberRecord[],
    extra: Partial<NewRoom> & { listen?: Record<string, ListenMode> } = {},
  ): Promise<RoomRecord> {
    const { listen = {}, ...roomExtra } = extra;
    const creator = members[0]!;
    const room = this.newRoom(name, creator, roomExtra);
    const memberships = members.map((member, index) =>
      this.membership(room.id, member, {
        role: index === 0 ? 'owner' : 'member',
        listen: listen[member.handle] ?? 'addressed',
      }),
    );
    const created = await this.store.createRoom(room, memberships, (membership) =>
      this.joined(creator, membership.member_id),
    );
    return created.room;
  }

  newMessage(room: RoomRecord | string, sender: MemberRecord, options: SendOptions = {}): NewMessage {
    const mentions = options.mentions ?? [];
    const targets = options.targets ?? [];
    return {
      id: options.id ?? `msg_${++this.messageCount}`,
      room_id: typeof room === 'string' ? room : room.id,
      sender_id: sender.id,
      sender: sender.handle,
      sender_kind: sender.kind,
      content: options.content ?? `message ${this.messageCount}`,
      mentions: mentions.map((member) => member.handle),
      targets: targets.map((member) => member.handle),
      mention_all: options.mentionAll ?? false,
      thread_id: options.threadId ?? null,
      status: options.status ?? 'complete',
      parts: options.parts ?? [],
      metadata: options.metadata ?? {},
      client_id: options.clientId ?? null,
      created_at: options.at ?? this.now(),
      addressed: [...new Set([...mentions, ...targets].map((member) => member.id))],
      wake: (options.wake ?? []).map((member) => member.id),
      receipts: (options.receipts ?? []).map((member) => ({
        member_id: member.id,
        member: member.handle,
        member_kind: member.kind === 'agent' ? 'agent' : 'person',
      })),
    };
  }

  send(room: RoomRecord | string, sender: MemberRecord, options: SendOptions = {}): Promise<InsertMessageResult> {
    const input = this.newMessage(room, sender, options);
    return this.store.insertMessage(input, (message, quiet) => ({
      kind: 'message.created',
      actor: sender.handle,
      at: input.created_at,
      data: message,
      agents: options.eventAgents !== undefined ? options.eventAgents : quiet ? [] : input.wake,
    }));
  }

  /** Sends a message that must be new, and returns what the store made of it. */
  async sent(room: RoomRecord | string, sender: MemberRecord, options: SendOptions = {}): Promise<Message> {
    const result = await this.send(room, sender, options);
    assert.equal(result.duplicate, false, 'the message was unexpectedly a duplicate');
    return result.message;
  }

  async lastSeq(roomId: string): Promise<number> {
    const room = await this.store.roomById(roomId);
    assert.ok(room, `room ${roomId} exists`);
    return room.last_seq;
  }

  async log(roomId: string): Promise<StoredEvent[]> {
    return this.store.events(roomId, 0, 10_000, { kind: 'all' });
  }
}

export function hubError(code: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

export function ids(messages: Array<{ id: string }>): string[] {
  return messages.map((message) => message.id);
}

export function seqs(events: Array<{ seq: number }>): number[] {
  return events.map((event) => event.seq);
}

export function sorted<T>(values: T[]): T[] {
  return [...values].sort();
}

/** Opens an empty store for one test, as a World over it. */
export type Open = (t: TestContext) => Promise<World>;
