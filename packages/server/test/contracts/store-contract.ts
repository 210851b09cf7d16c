/**
 * The Store port's contract: one suite that every storage adapter (SQLite now, PostgreSQL later)
 * runs through its own factory. It talks to the store only through the `Store` interface of
 * core/ports.ts, so whatever passes here can sit behind the hub.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { ListenMode, MemberKind, Message, MessagePart, MessageStatus } from '@roundtable/protocol';
import { receives } from '../../src/core/delivery.js';
import { HubError } from '../../src/core/hub-error.js';
import type {
  EventDraft,
  InsertMessageResult,
  LogViewer,
  MemberRecord,
  MembershipRecord,
  NewMember,
  NewMessage,
  RoomRecord,
  Store,
  StoredEvent,
} from '../../src/core/ports.js';

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

type NewRoom = Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at'>;
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
}

/**
 * Builds records the way the core would, with ids derived from handles and names, and a clock
 * that moves one second per call so that every timestamp is distinct and ordered.
 */
class World {
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
    return { kind, actor: actor.handle, at: this.now(), data, agents };
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
      created_at: this.now(),
      addressed: [...new Set([...mentions, ...targets].map((member) => member.id))],
      wake: (options.wake ?? []).map((member) => member.id),
    };
  }

  send(room: RoomRecord | string, sender: MemberRecord, options: SendOptions = {}): Promise<InsertMessageResult> {
    const input = this.newMessage(room, sender, options);
    return this.store.insertMessage(input, (message, quiet) => ({
      kind: 'message.created',
      actor: sender.handle,
      at: input.created_at,
      data: message as unknown as Record<string, unknown>,
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

function hubError(code: string) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof HubError, `expected a HubError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

function ids(messages: Array<{ id: string }>): string[] {
  return messages.map((message) => message.id);
}

function seqs(events: Array<{ seq: number }>): number[] {
  return events.map((event) => event.seq);
}

function sorted<T>(values: T[]): T[] {
  return [...values].sort();
}

export function storeContract(name: string, makeStore: StoreFactory): void {
  async function open(t: TestContext): Promise<World> {
    return new World((await makeStore(t)).store);
  }

  describe(`${name} passes the Store contract`, () => {
    describe('members', () => {
      test('creates a member and finds it by id, by handle and among several handles', async (t) => {
        const world = await open(t);
        const input = world.newMember('ada', 'person', {
          description: 'maths',
          capabilities: ['review'],
          password_hash: 'scrypt$x',
        });
        const ada = await world.store.createMember(input);
        assert.deepEqual(ada, { ...input, disabled: false });
        const bob = await world.member('bob', 'agent', { owner_id: ada.id });

        assert.deepEqual(await world.store.memberById(ada.id), ada);
        assert.deepEqual(await world.store.memberByHandle('bob'), bob);
        const found = await world.store.membersByHandles(['bob', 'ada', 'nobody']);
        assert.deepEqual(
          found.sort((a, b) => a.handle.localeCompare(b.handle)),
          [ada, bob],
        );
        assert.deepEqual(await world.store.membersByHandles([]), []);
        assert.equal(await world.store.memberById('m_nobody'), undefined);
        assert.equal(await world.store.memberByHandle('nobody'), undefined);
      });

      test('refuses a second member with a taken handle with handle_taken, and keeps the first', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        await assert.rejects(
          world.store.createMember(world.newMember('ada', 'agent', { id: 'm_other' })),
          hubError('handle_taken'),
        );
        assert.deepEqual(await world.store.memberByHandle('ada'), ada);
        assert.equal(await world.store.memberById('m_other'), undefined);
        assert.equal(await world.store.countMembers(), 1);
      });

      test('updates a member with a patch and leaves the other fields as they were', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada', 'person', { description: 'maths' });
        const patched = await world.store.updateMember(ada.id, {
          display_name: 'Ada L.',
          role: 'admin',
          disabled: true,
          password_hash: 'scrypt$new',
          capabilities: ['python', 'review'],
        });
        const expected: MemberRecord = {
          ...ada,
          display_name: 'Ada L.',
          role: 'admin',
          disabled: true,
          password_hash: 'scrypt$new',
          capabilities: ['python', 'review'],
        };
        assert.deepEqual(patched, expected);
        assert.deepEqual(await world.store.memberById(ada.id), expected);

        const enabled = await world.store.updateMember(ada.id, { disabled: false, description: 'poetry' });
        assert.deepEqual(enabled, { ...expected, disabled: false, description: 'poetry' });
        assert.deepEqual(await world.store.updateMember(ada.id, {}), {
          ...expected,
          disabled: false,
          description: 'poetry',
        });
        assert.equal(await world.store.updateMember('m_nobody', { display_name: 'x' }), undefined);
      });

      test('lists members by kind and counts them', async (t) => {
        const world = await open(t);
        assert.equal(await world.store.countMembers(), 0);
        await world.member('ada');
        await world.member('bob');
        await world.member('alpha', 'agent');
        await world.member('system', 'system');
        assert.deepEqual(sorted((await world.store.listMembers({})).map((m) => m.handle)), [
          'ada',
          'alpha',
          'bob',
          'system',
        ]);
        assert.deepEqual(sorted((await world.store.listMembers({ kind: 'person' })).map((m) => m.handle)), [
          'ada',
          'bob',
        ]);
        assert.deepEqual(
          (await world.store.listMembers({ kind: 'agent' })).map((m) => m.handle),
          ['alpha'],
        );
        assert.equal(await world.store.countMembers(), 4);
      });
    });

    describe('tokens and denylist', () => {
      test('stores a token and finds it by hash and by id, never returning the hash', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const input = {
          id: 't_1',
          member_id: ada.id,
          name: 'laptop',
          kind: 'api' as const,
          created_at: world.now(),
          revoked_at: null,
        };
        const created = await world.store.createToken({ ...input, hash: 'hash-1' });
        assert.deepEqual(created, input);
        assert.equal('hash' in created, false);
        const byHash = await world.store.tokenByHash('hash-1');
        assert.deepEqual(byHash, input);
        assert.equal(byHash && 'hash' in byHash, false);
        assert.deepEqual(await world.store.tokenById('t_1'), input);
        assert.equal(await world.store.tokenByHash('hash-2'), undefined);
        assert.equal(await world.store.tokenById('t_2'), undefined);
      });

      test('lists the tokens of one member, or of everyone', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const token = (id: string, member: MemberRecord, kind: 'api' | 'session') => ({
          id,
          member_id: member.id,
          name: id,
          kind,
          created_at: world.now(),
          revoked_at: null,
          hash: `hash-${id}`,
        });
        await world.store.createToken(token('t_a1', ada, 'api'));
        await world.store.createToken(token('t_b1', bob, 'session'));
        await world.store.createToken(token('t_a2', ada, 'session'));
        assert.deepEqual(sorted((await world.store.listTokens(ada.id)).map((x) => x.id)), ['t_a1', 't_a2']);
        assert.deepEqual(
          (await world.store.listTokens(bob.id)).map((x) => x.id),
          ['t_b1'],
        );
        assert.deepEqual(sorted((await world.store.listTokens()).map((x) => x.id)), ['t_a1', 't_a2', 't_b1']);
        assert.deepEqual(await world.store.listTokens('m_nobody'), []);
      });

      test('revoking a token sets revoked_at, and revoking it again keeps the first time', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        await world.store.createToken({
          id: 't_1',
          member_id: ada.id,
          name: 'cli',
          kind: 'api',
          created_at: world.now(),
          revoked_at: null,
          hash: 'hash-1',
        });
        const first = world.now();
        const revoked = await world.store.revokeToken('t_1', first);
        assert.equal(revoked?.revoked_at, first);
        const again = await world.store.revokeToken('t_1', world.now());
        assert.equal(again?.revoked_at, first);
        assert.equal((await world.store.tokenByHash('hash-1'))?.revoked_at, first);
        assert.equal((await world.store.listTokens(ada.id))[0]?.revoked_at, first);
        assert.equal(await world.store.revokeToken('t_missing', world.now()), undefined);
      });

      test('adds a denylist entry, replaces its reason when added again, and removes it once', async (t) => {
        const world = await open(t);
        const first = { handle: 'spammer', reason: 'spam', created_by: 'ada', created_at: world.now() };
        assert.deepEqual(await world.store.addDenylist(first), first);
        assert.deepEqual(await world.store.listDenylist(), [first]);

        const returned = await world.store.addDenylist({
          handle: 'spammer',
          reason: 'worse spam',
          created_by: 'bob',
          created_at: world.now(),
        });
        const listed = await world.store.listDenylist();
        assert.equal(listed.length, 1);
        assert.equal(listed[0]!.reason, 'worse spam');
        assert.deepEqual(returned, listed[0], 'addDenylist returns the entry as it is stored');

        const other = { handle: 'troll', reason: '', created_by: 'ada', created_at: world.now() };
        await world.store.addDenylist(other);
        assert.deepEqual(sorted((await world.store.listDenylist()).map((entry) => entry.handle)), ['spammer', 'troll']);
        assert.equal(await world.store.removeDenylist('spammer'), true);
        assert.equal(await world.store.removeDenylist('spammer'), false);
        assert.deepEqual(await world.store.listDenylist(), [other]);
      });
    });

    describe('rooms', () => {
      test('creating a room with members appends one member.joined event per member, with seqs 1 to n', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const alpha = await world.member('alpha', 'agent');
        const input = world.newRoom('general', ada, { topic: 'anything', agent_depth_limit: 3 });
        const memberships = [
          world.membership(input.id, ada, { role: 'owner' }),
          world.membership(input.id, bob, { notify: 'mentions' }),
          world.membership(input.id, alpha, { listen: 'all' }),
        ];
        const seen: string[] = [];
        const { room, events } = await world.store.createRoom(input, memberships, (membership) => {
          seen.push(membership.member_id);
          return world.joined(ada, membership.member_id);
        });

        assert.deepEqual(seen, [ada.id, bob.id, alpha.id]);
        assert.deepEqual(room, { ...input, archived_at: null, deleted_at: null, last_seq: 3, member_count: 3 });
        assert.deepEqual(seqs(events), [1, 2, 3]);
        assert.deepEqual(
          events.map((event) => [event.kind, event.room, event.data.member_id, event.agents, event.quiet]),
          [
            ['member.joined', room.id, ada.id, null, false],
            ['member.joined', room.id, bob.id, null, false],
            ['member.joined', room.id, alpha.id, null, false],
          ],
        );
        assert.deepEqual(await world.log(room.id), events);
        assert.deepEqual(await world.store.roomById(room.id), room);

        const members = await world.store.roomMembers(room.id);
        assert.deepEqual(sorted(members.map((m) => m.member_id)), sorted([ada.id, bob.id, alpha.id]));
        const bobs = await world.store.membership(room.id, bob.id);
        assert.ok(bobs);
        assert.deepEqual({ ...bobs, read_seq: 0 }, { ...memberships[1]!, read_seq: 0 });
        assert.ok(bobs.read_seq >= 0 && bobs.read_seq <= 3, 'a new member starts with nothing unread');
        assert.equal((await world.store.membership(room.id, alpha.id))?.listen, 'all');
        assert.equal((await world.store.membership(room.id, alpha.id))?.role, 'member');
      });

      test('refuses a second room with a taken name with room_name_taken, and appends nothing', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const clash = world.newRoom('general', ada, { id: 'r_clash' });
        await assert.rejects(
          world.store.createRoom(clash, [world.membership(clash.id, ada)], (membership) =>
            world.joined(ada, membership.member_id),
          ),
          hubError('room_name_taken'),
        );
        assert.equal(await world.store.roomById('r_clash'), undefined);
        assert.deepEqual(await world.store.roomByName('general'), general);
        assert.deepEqual(await world.store.roomIdsOf(ada.id), [general.id]);
      });

      test('finds rooms by id, by name and by direct key', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const direct = await world.room(null, [ada, bob], { kind: 'direct', direct_key: `${ada.id}|${bob.id}` });
        assert.deepEqual(await world.store.roomById(general.id), general);
        assert.deepEqual(await world.store.roomByName('general'), general);
        assert.deepEqual(await world.store.roomByDirectKey(`${ada.id}|${bob.id}`), direct);
        assert.equal(direct.name, null);
        assert.equal(await world.store.roomById('r_missing'), undefined);
        assert.equal(await world.store.roomByName('missing'), undefined);
        assert.equal(await world.store.roomByDirectKey(`${bob.id}|${ada.id}`), undefined);
      });

      test('updating a room applies the patch, appends one event and returns the room with its new last_seq', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        let seenByDraft: RoomRecord | undefined;
        const { room, event } = await world.store.updateRoom(
          general.id,
          { topic: 'launch', agent_depth_limit: 9 },
          (updated) => {
            seenByDraft = updated;
            return world.draft('room.updated', ada, {
              topic: updated.topic,
              agent_depth_limit: updated.agent_depth_limit,
            });
          },
        );
        assert.equal(seenByDraft?.topic, 'launch', 'the event is drawn from the room as patched');
        assert.deepEqual(room, { ...general, topic: 'launch', agent_depth_limit: 9, last_seq: general.last_seq + 1 });
        assert.equal(event.seq, general.last_seq + 1);
        assert.equal(event.kind, 'room.updated');
        assert.deepEqual(event.data, { topic: 'launch', agent_depth_limit: 9 });
        assert.deepEqual(await world.store.roomById(general.id), room);
        assert.deepEqual((await world.log(general.id)).at(-1), event);

        const archivedAt = world.now();
        const archived = await world.store.updateRoom(general.id, { archived_at: archivedAt }, () =>
          world.draft('room.updated', ada),
        );
        assert.equal(archived.room.archived_at, archivedAt);
        assert.equal(archived.room.topic, 'launch');
        assert.equal(archived.event.seq, room.last_seq + 1);
        assert.equal((await world.store.roomById(general.id))?.archived_at, archivedAt);
      });

      test('updating a missing room is refused with room_not_found', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        await assert.rejects(
          world.store.updateRoom('r_missing', { topic: 'x' }, () => world.draft('room.updated', ada)),
          hubError('room_not_found'),
        );
      });

      test('lists public rooms only, and the rooms each member belongs to', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const random = await world.room('random', [bob]);
        const secret = await world.room('secret', [ada], { kind: 'private' });
        const direct = await world.room(null, [ada, bob], { kind: 'direct', direct_key: 'ada|bob' });
        assert.deepEqual(
          sorted((await world.store.listPublicRooms()).map((room) => room.id)),
          sorted([general.id, random.id]),
        );
        assert.deepEqual(sorted(await world.store.roomIdsOf(ada.id)), sorted([general.id, secret.id, direct.id]));
        assert.deepEqual(sorted(await world.store.roomIdsOf(bob.id)), sorted([general.id, random.id, direct.id]));
        assert.deepEqual(await world.store.roomIdsOf('m_nobody'), []);
        assert.deepEqual(
          sorted((await world.store.listRoomsOf(ada.id)).map((room) => room.id)),
          sorted([general.id, secret.id, direct.id]),
        );
      });
    });

    describe('room lists with unread and mention counts', () => {
      test('counts messages by others after the read cursor as unread, and mentions among them', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const alpha = await world.member('alpha', 'agent');
        const general = await world.room('general', [ada, bob, alpha], { listen: { alpha: 'all' } });

        const plain = await world.sent(general, bob, { content: 'morning' });
        await world.sent(general, bob, { mentions: [ada] });
        await world.sent(general, bob, { mentionAll: true });
        await world.sent(general, ada, { mentionAll: true, mentions: [bob] });
        const deleted = await world.sent(general, bob, { mentions: [ada] });
        await world.store.updateMessage(deleted.id, { deleted_at: world.now() }, () =>
          world.draft('message.deleted', bob),
        );
        await world.sent(general, alpha, { targets: [ada] });
        // Events that are not messages never count.
        await world.store.addReaction(plain.id, 'bob', '👍', world.draft('reaction.added', bob));
        await world.store.updateRoom(general.id, { topic: 'news' }, () => world.draft('room.updated', bob));

        const summaryOf = async (member: MemberRecord, roomId = general.id) => {
          const summary = (await world.store.listRoomsOf(member.id)).find((room) => room.id === roomId);
          assert.ok(summary, `${member.handle} sees room ${roomId}`);
          return summary;
        };
        const adas = await summaryOf(ada);
        assert.deepEqual(
          [adas.unread, adas.mentions],
          [4, 3],
          'ada: 4 unread (morning, mention, @all, target), 3 mentions',
        );
        assert.equal(adas.name, 'general');
        assert.equal(adas.kind, 'public');
        assert.equal(adas.topic, 'news');
        assert.equal(adas.archived, false);
        assert.equal(adas.last_seq, await world.lastSeq(general.id));
        assert.equal(adas.notify, 'all');
        assert.equal(adas.listen, 'addressed');
        assert.equal((await summaryOf(alpha)).listen, 'all');

        const bobs = await summaryOf(bob);
        assert.deepEqual(
          [bobs.unread, bobs.mentions],
          [2, 1],
          "bob: ada's @all (a mention) and alpha's message to ada",
        );

        const afterMention = (await world.store.history(general.id, { limit: 10 })).messages[1]!;
        assert.equal(await world.store.markRead(general.id, ada.id, afterMention.seq), afterMention.seq);
        const read = await summaryOf(ada);
        assert.equal(read.read_seq, afterMention.seq);
        assert.deepEqual(
          [read.unread, read.mentions],
          [2, 2],
          'ada after reading the mention: @all and the target remain',
        );

        await world.store.markRead(general.id, ada.id, await world.lastSeq(general.id));
        const caughtUp = await summaryOf(ada);
        assert.deepEqual([caughtUp.unread, caughtUp.mentions], [0, 0]);

        const carol = await world.member('carol');
        await world.store.addMembership(world.membership(general.id, carol), world.joined(carol, carol.id));
        const carols = await summaryOf(carol);
        assert.deepEqual([carols.unread, carols.mentions], [0, 0], 'messages from before joining are not unread');
        await world.sent(general, bob, { mentions: [carol] });
        const mentioned = await summaryOf(carol);
        assert.deepEqual([mentioned.unread, mentioned.mentions], [1, 1]);
      });

      test('in a direct room every unread message counts as a mention, and the other members are named', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const carol = await world.member('carol');
        const direct = await world.room(null, [ada, bob, carol], { kind: 'direct', direct_key: 'ada|bob|carol' });
        await world.sent(direct, bob, { content: 'hi' });
        await world.sent(direct, carol, { content: 'hello' });
        await world.sent(direct, ada, { content: 'hey both' });
        const summary = (await world.store.listRoomsOf(ada.id)).find((room) => room.id === direct.id);
        assert.ok(summary);
        assert.equal(summary.kind, 'direct');
        assert.deepEqual([summary.unread, summary.mentions], [2, 2]);
        assert.deepEqual(sorted(summary.members ?? []), ['bob', 'carol']);
        const bobs = (await world.store.listRoomsOf(bob.id)).find((room) => room.id === direct.id);
        assert.deepEqual([bobs?.unread, bobs?.mentions], [2, 2]);
      });
    });

    describe('memberships', () => {
      test('adding a member twice adds it once and appends one event', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada]);
        const first = await world.store.addMembership(world.membership(general.id, bob), world.joined(ada, bob.id));
        assert.equal(first.added, true);
        assert.equal(first.event?.seq, general.last_seq + 1);
        assert.equal(first.event?.kind, 'member.joined');
        const afterFirst = await world.store.roomById(general.id);
        assert.deepEqual([afterFirst?.last_seq, afterFirst?.member_count], [general.last_seq + 1, 2]);

        const second = await world.store.addMembership(
          world.membership(general.id, bob, { notify: 'muted' }),
          world.joined(ada, bob.id),
        );
        assert.equal(second.added, false);
        assert.equal(second.event, undefined);
        assert.deepEqual(await world.store.roomById(general.id), afterFirst);
        assert.equal((await world.store.membership(general.id, bob.id))?.notify, 'all', 'the first membership stands');
        assert.equal((await world.log(general.id)).length, general.last_seq + 1);
      });

      test('removing a member appends one event and a second removal changes nothing', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const removed = await world.store.removeMembership(
          general.id,
          bob.id,
          world.draft('member.left', bob, { member_id: bob.id }),
        );
        assert.equal(removed.removed, true);
        assert.equal(removed.event?.seq, general.last_seq + 1);
        assert.equal(removed.event?.kind, 'member.left');
        assert.equal(await world.store.membership(general.id, bob.id), undefined);
        assert.deepEqual(await world.store.roomIdsOf(bob.id), []);
        const after = await world.store.roomById(general.id);
        assert.deepEqual([after?.member_count, after?.last_seq], [1, general.last_seq + 1]);

        const again = await world.store.removeMembership(general.id, bob.id, world.draft('member.left', bob));
        assert.deepEqual(again, { removed: false });
        assert.deepEqual(await world.store.roomById(general.id), after);
      });

      test("updates a membership's notify level and listen mode", async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const general = await world.room('general', [ada, alpha]);
        const before = await world.store.membership(general.id, alpha.id);
        const updated = await world.store.updateMembership(general.id, alpha.id, { listen: 'all' });
        assert.deepEqual(updated, { ...before, listen: 'all' });
        const muted = await world.store.updateMembership(general.id, alpha.id, { notify: 'muted' });
        assert.deepEqual(muted, { ...before, listen: 'all', notify: 'muted' });
        assert.deepEqual(await world.store.membership(general.id, alpha.id), muted);
        assert.equal(await world.store.updateMembership(general.id, 'm_nobody', { notify: 'all' }), undefined);
        assert.equal(await world.lastSeq(general.id), general.last_seq, 'settings are not part of the room log');
      });

      test("moves the read cursor forward only, and never past the room's last seq", async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        for (let i = 0; i < 4; i++) await world.sent(general, bob);
        const last = await world.lastSeq(general.id);
        assert.equal(await world.store.markRead(general.id, ada.id, last - 1), last - 1);
        assert.equal(
          await world.store.markRead(general.id, ada.id, last - 3),
          last - 1,
          'the cursor does not move back',
        );
        assert.equal(await world.store.markRead(general.id, ada.id, last + 10), last, 'the cursor stops at last_seq');
        assert.equal((await world.store.membership(general.id, ada.id))?.read_seq, last);
        assert.equal(await world.store.markRead(general.id, 'm_nobody', 1), undefined);
      });
    });

    describe('messages', () => {
      test('gives each message the next seq of its room, shared gap-free with every other kind of event', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const carol = await world.member('carol');
        const general = await world.room('general', [ada, bob]);
        const other = await world.room('other', [bob]);

        const parts: MessagePart[] = [
          { type: 'tool_call', id: 'call-1', name: 'search', arguments: { q: 'x' }, status: 'ok', duration_ms: 12 },
        ];
        const input = world.newMessage(general, ada, {
          content: 'hello **world**',
          mentions: [bob],
          targets: [bob],
          mentionAll: true,
          parts,
          metadata: { model: 'm1', tokens: 3 },
          clientId: 'client-1',
          status: 'streaming',
        });
        let quietSeen: boolean | undefined;
        const result = await world.store.insertMessage(input, (message, quiet) => {
          quietSeen = quiet;
          return {
            kind: 'message.created',
            actor: ada.handle,
            at: input.created_at,
            data: message as unknown as Record<string, unknown>,
            agents: [],
          };
        });
        assert.ok(!result.duplicate);
        assert.equal(quietSeen, false);
        const expected: Message = {
          id: input.id,
          room: general.id,
          seq: 3,
          sender: 'ada',
          sender_kind: 'person',
          content: 'hello **world**',
          mentions: ['bob'],
          targets: ['bob'],
          mention_all: true,
          thread_id: null,
          depth: 0,
          status: 'streaming',
          parts,
          metadata: { model: 'm1', tokens: 3 },
          client_id: 'client-1',
          created_at: input.created_at,
          edited_at: null,
          deleted: false,
          reactions: [],
          reply_count: 0,
          last_reply_at: null,
        };
        assert.deepEqual(result.message, expected);
        assert.deepEqual(
          [result.event.seq, result.event.kind, result.event.room, result.event.quiet],
          [3, 'message.created', general.id, false],
        );
        assert.deepEqual(await world.store.messageById(input.id), expected);
        assert.deepEqual(result.depthExceeded, false);

        const joined = await world.store.addMembership(
          world.membership(general.id, carol),
          world.joined(ada, carol.id),
        );
        const second = await world.sent(general, bob);
        const inOther = await world.sent(other, bob);
        const reaction = await world.store.addReaction(second.id, 'ada', '👀', world.draft('reaction.added', ada));
        const updated = await world.store.updateRoom(general.id, { topic: 't' }, () =>
          world.draft('room.updated', ada),
        );
        const third = await world.sent(general, carol);
        assert.deepEqual([joined.event?.seq, second.seq, reaction?.seq, updated.event.seq, third.seq], [4, 5, 6, 7, 8]);
        assert.equal(inOther.seq, 2, 'each room counts its own seqs');

        const log = await world.log(general.id);
        assert.deepEqual(seqs(log), range(1, 8));
        assert.deepEqual(
          log.map((event) => event.kind),
          [
            'member.joined',
            'member.joined',
            'message.created',
            'member.joined',
            'message.created',
            'reaction.added',
            'room.updated',
            'message.created',
          ],
        );
        assert.equal(await world.lastSeq(general.id), 8);
        assert.deepEqual(seqs(await world.log(other.id)), [1, 2]);
      });

      test('sending into a missing room is refused with room_not_found', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        await assert.rejects(world.send('r_missing', ada), hubError('room_not_found'));
      });

      test('a repeated client_id from the same sender returns the original message and appends nothing', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const original = await world.sent(general, ada, { content: 'first', clientId: 'c-1' });
        const last = await world.lastSeq(general.id);

        const retry = await world.send(general, ada, { content: 'second', clientId: 'c-1' });
        assert.equal(retry.duplicate, true);
        assert.deepEqual(retry.message, original);
        assert.equal(await world.lastSeq(general.id), last);
        assert.equal((await world.log(general.id)).length, last);

        const bobs = await world.send(general, bob, { content: 'same id, other sender', clientId: 'c-1' });
        assert.equal(bobs.duplicate, false, 'client ids are per sender');
        const plain = await world.send(general, ada, { content: 'no client id' });
        const plainAgain = await world.send(general, ada, { content: 'no client id' });
        assert.equal(
          plain.duplicate || plainAgain.duplicate,
          false,
          'messages without a client id are never duplicates',
        );
        assert.deepEqual(
          (await world.store.history(general.id, { limit: 10 })).messages.map((message) => message.content),
          ['first', 'same id, other sender', 'no client id', 'no client id'],
        );
      });

      test('agent messages deepen the chain, a person resets it, and a system notice leaves it as it is', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const beta = await world.member('beta', 'agent');
        const system = await world.member('system', 'system');
        const general = await world.room('general', [ada, alpha, beta, system], { agent_depth_limit: 10 });
        const other = await world.room('other', [ada, alpha]);
        const depths: number[] = [];
        for (const sender of [ada, alpha, beta, alpha, system, beta, ada, beta]) {
          depths.push((await world.sent(general, sender)).depth);
        }
        assert.deepEqual(depths, [0, 1, 2, 3, 3, 4, 0, 1]);
        assert.equal((await world.sent(other, alpha)).depth, 1, 'each room has its own chain');
      });

      test('past the depth limit a message is stored quiet and wakes nobody, and firstPastLimit is reported once per chain', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const beta = await world.member('beta', 'agent');
        const general = await world.room('general', [ada, alpha, beta], { agent_depth_limit: 2 });

        const chain = [
          [alpha, beta],
          [beta, alpha],
          [alpha, beta],
          [beta, alpha],
          [ada, alpha],
          [alpha, beta],
          [beta, alpha],
          [alpha, beta],
        ] as const;
        const outcomes: Array<[number, boolean, boolean]> = [];
        const results: Array<Extract<InsertMessageResult, { duplicate: false }>> = [];
        for (const [sender, addressee] of chain) {
          const result = await world.send(general, sender, {
            mentions: [addressee],
            wake: addressee.kind === 'agent' ? [addressee] : [],
          });
          assert.ok(!result.duplicate);
          outcomes.push([result.message.depth, result.depthExceeded, result.firstPastLimit]);
          results.push(result);
        }
        assert.deepEqual(outcomes, [
          [1, false, false],
          [2, false, false],
          [3, true, true],
          [4, true, false],
          [0, false, false],
          [1, false, false],
          [2, false, false],
          [3, true, true],
        ]);

        const log = await world.log(general.id);
        for (const [index, result] of results.entries()) {
          const stored = log.find((event) => event.seq === result.message.seq);
          assert.ok(stored);
          const exceeded = outcomes[index]![1];
          assert.equal(stored.quiet, exceeded, `message ${index} is quiet exactly when past the limit`);
          assert.equal(result.event.quiet, exceeded);
          assert.deepEqual(stored.agents, exceeded ? [] : [chain[index]![1].id]);
          const audience = await world.store.messageAudience(result.message.id);
          assert.deepEqual(
            audience?.wake,
            exceeded ? [] : [chain[index]![1].id],
            `message ${index} woke the right agents`,
          );
        }
      });

      test("a thread reply bumps its root's reply count and last reply time", async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const root = await world.sent(general, ada, { content: 'question' });
        const unrelated = await world.sent(general, ada);
        const first = await world.sent(general, bob, { threadId: root.id });
        const second = await world.sent(general, ada, { threadId: root.id });
        assert.equal(first.thread_id, root.id);
        assert.equal(second.thread_id, root.id);
        const after = await world.store.messageById(root.id);
        assert.equal(after?.reply_count, 2);
        assert.equal(after?.last_reply_at, second.created_at);
        assert.equal(after?.content, 'question');
        const untouched = await world.store.messageById(unrelated.id);
        assert.deepEqual([untouched?.reply_count, untouched?.last_reply_at], [0, null]);
      });

      test('messageAudience gives the message with its sender id and the agents it woke', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const beta = await world.member('beta', 'agent');
        const general = await world.room('general', [ada, alpha, beta]);
        const message = await world.sent(general, ada, { mentions: [alpha], wake: [alpha] });
        const audience = await world.store.messageAudience(message.id);
        assert.deepEqual(audience, { message, senderId: ada.id, wake: [alpha.id], quiet: false });
        const all = await world.sent(general, ada, { mentionAll: true, wake: [alpha, beta] });
        assert.deepEqual(sorted((await world.store.messageAudience(all.id))?.wake ?? []), sorted([alpha.id, beta.id]));
        assert.equal(await world.store.messageAudience('msg_missing'), undefined);
      });

      test('lists the messages still streaming, in every room, with their sender id and wake', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const beta = await world.member('beta', 'agent');
        const one = await world.room('one', [ada, alpha, beta]);
        const two = await world.room('two', [alpha, beta]);
        assert.deepEqual(await world.store.streamingMessages(), []);
        const first = await world.sent(one, alpha, { status: 'streaming', mentions: [ada] });
        await world.sent(one, ada, { content: 'done already' });
        const second = await world.sent(two, beta, { status: 'streaming', mentions: [alpha], wake: [alpha] });
        const finished = await world.sent(two, alpha, { status: 'streaming' });
        await world.store.updateMessage(finished.id, { status: 'complete' }, () =>
          world.draft('message.updated', alpha),
        );
        const errored = await world.sent(one, beta, { status: 'streaming' });
        await world.store.updateMessage(errored.id, { status: 'error' }, () => world.draft('message.updated', beta));

        const streaming = (await world.store.streamingMessages()).sort((a, b) =>
          a.message.id < b.message.id ? -1 : 1,
        );
        assert.deepEqual(
          streaming,
          [
            { message: first, senderId: alpha.id, wake: [], quiet: false },
            { message: second, senderId: beta.id, wake: [alpha.id], quiet: false },
          ].sort((a, b) => (a.message.id < b.message.id ? -1 : 1)),
        );
      });

      test('updating a message patches it and appends an event drawn from the updated message', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const message = await world.sent(general, ada, { content: 'draft', status: 'streaming' });

        const editedAt = world.now();
        let seenByDraft: Message | undefined;
        const edited = await world.store.updateMessage(
          message.id,
          { content: 'final', edited_at: editedAt },
          (updated) => {
            seenByDraft = updated;
            return world.draft('message.updated', ada, { id: updated.id, content: updated.content });
          },
        );
        assert.ok(edited);
        assert.equal(seenByDraft?.content, 'final');
        assert.deepEqual(edited.message, { ...message, content: 'final', edited_at: editedAt });
        assert.equal(edited.event.seq, message.seq + 1);
        assert.equal(edited.event.kind, 'message.updated');
        assert.deepEqual(edited.event.data, { id: message.id, content: 'final' });
        assert.deepEqual(await world.store.messageById(message.id), edited.message);

        const parts: MessagePart[] = [{ type: 'tool_call', id: 'c1', name: 'grep', status: 'running' }];
        const finished = await world.store.updateMessage(
          message.id,
          { status: 'complete', parts, metadata: { latency_ms: 40 } },
          () => world.draft('message.updated', ada),
        );
        assert.deepEqual(finished?.message, {
          ...edited.message,
          status: 'complete',
          parts,
          metadata: { latency_ms: 40 },
        });

        const deleted = await world.store.updateMessage(message.id, { deleted_at: world.now() }, () =>
          world.draft('message.deleted', ada),
        );
        assert.equal(deleted?.message.deleted, true);
        assert.equal((await world.store.messageById(message.id))?.deleted, true);
        assert.deepEqual(seqs(await world.log(general.id)), range(1, message.seq + 3));

        const last = await world.lastSeq(general.id);
        assert.equal(
          await world.store.updateMessage('msg_missing', { content: 'x' }, () => world.draft('message.updated', ada)),
          undefined,
        );
        assert.equal(await world.lastSeq(general.id), last, 'a missing message appends nothing');
      });

      test('reactions are aggregated per emoji, and change the log only when something changed', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const first = await world.sent(general, ada);
        const second = await world.sent(general, bob);
        const react = (add: boolean, message: Message, member: MemberRecord, emoji: string) => {
          const draft = world.draft(add ? 'reaction.added' : 'reaction.removed', member, {
            message: message.id,
            emoji,
          });
          return add
            ? world.store.addReaction(message.id, member.handle, emoji, draft)
            : world.store.removeReaction(message.id, member.handle, emoji, draft);
        };
        const normalized = (message: Message | undefined) =>
          (message?.reactions ?? [])
            .map((reaction) => ({ ...reaction, members: sorted(reaction.members) }))
            .sort((a, b) => (a.emoji < b.emoji ? -1 : 1));

        const added = await react(true, first, ada, '👍');
        assert.equal(added?.seq, second.seq + 1);
        assert.equal(added?.kind, 'reaction.added');
        assert.equal(await react(true, first, ada, '👍'), undefined, 'the same reaction twice changes nothing');
        assert.equal(await world.lastSeq(general.id), second.seq + 1);
        await react(true, first, bob, '👍');
        await react(true, first, ada, '🎉');
        await react(true, second, ada, '🎉');
        assert.deepEqual(normalized(await world.store.messageById(first.id)), [
          { emoji: '🎉', count: 1, members: ['ada'] },
          { emoji: '👍', count: 2, members: ['ada', 'bob'] },
        ]);

        const removed = await react(false, first, ada, '👍');
        assert.equal(removed?.kind, 'reaction.removed');
        assert.equal(await react(false, first, ada, '👍'), undefined, 'removing an absent reaction changes nothing');
        assert.equal(await react(false, second, bob, '🎉'), undefined);
        assert.equal(await world.lastSeq(general.id), second.seq + 5);

        const page = await world.store.history(general.id, { limit: 10 });
        assert.deepEqual(ids(page.messages), [first.id, second.id]);
        assert.deepEqual(normalized(page.messages[0]), [
          { emoji: '🎉', count: 1, members: ['ada'] },
          { emoji: '👍', count: 1, members: ['bob'] },
        ]);
        assert.deepEqual(normalized(page.messages[1]), [{ emoji: '🎉', count: 1, members: ['ada'] }]);
        assert.deepEqual(normalized((await world.store.recentMessages({ roomIds: [general.id], limit: 10 }))[1]), [
          { emoji: '🎉', count: 1, members: ['ada'] },
        ]);
      });

      test('reacting to a missing message is refused with message_not_found', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        await assert.rejects(
          world.store.addReaction('msg_missing', 'ada', '👍', world.draft('reaction.added', ada)),
          hubError('message_not_found'),
        );
      });
    });

    describe('memory search', () => {
      const search = (world: World, roomIds: string[], words: string[], limit = 10) =>
        world.store.searchMessages({ roomIds, terms: words, limit, now: world.now() });

      test('finds complete messages of the given rooms by any of their words, the better match first', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const secret = await world.room('secret', [bob]);
        const both = await world.sent(general, ada, { content: 'The deploy of build 142 failed on the parser' });
        const one = await world.sent(general, bob, { content: 'Deploy again tomorrow' });
        await world.sent(general, bob, { content: 'Lunch at noon?' });
        await world.sent(general, bob, { content: 'deploy notes streaming', status: 'streaming' });
        const gone = await world.sent(general, ada, { content: 'deploy 142 gone' });
        await world.store.updateMessage(gone.id, { deleted_at: world.now(), content: '' }, () =>
          world.draft('message.deleted', ada),
        );
        await world.sent(secret, bob, { content: 'deploy 142 in the secret room' });

        const hits = await search(world, [general.id], ['deploy', '142']);
        assert.deepEqual(ids(hits.map((hit) => hit.message)), [both.id, one.id]);
        assert.ok(hits[0]!.score > hits[1]!.score && hits[1]!.score > 0, 'scores are positive, best first');
        assert.equal(hits[0]!.message.content, 'The deploy of build 142 failed on the parser');
        assert.deepEqual(await search(world, [general.id], ['nothing']), []);
        assert.deepEqual(await search(world, [], ['deploy']), [], 'no rooms, nothing found');
        assert.deepEqual(await search(world, [general.id], []), [], 'no words, nothing found');
        assert.equal((await search(world, [general.id, secret.id], ['deploy'])).length, 3);
        assert.equal((await search(world, [general.id], ['deploy'], 1)).length, 1, 'the limit holds');
      });

      test('between equal matches the younger ranks first, and an edit is found by its new words only', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const old = await world.sent(general, ada, { content: 'parser crash in build' });
        world.skipDays(90);
        const recent = await world.sent(general, ada, { content: 'parser crash in build' });
        const hits = await search(world, [general.id], ['parser']);
        assert.deepEqual(ids(hits.map((hit) => hit.message)), [recent.id, old.id]);
        assert.ok(hits[0]!.score > hits[1]!.score * 3, 'ninety days older scores about four times less');

        await world.store.updateMessage(old.id, { content: 'tokenizer crash', edited_at: world.now() }, () =>
          world.draft('message.updated', ada),
        );
        assert.deepEqual(ids((await search(world, [general.id], ['tokenizer'])).map((hit) => hit.message)), [old.id]);
        assert.deepEqual(ids((await search(world, [general.id], ['parser'])).map((hit) => hit.message)), [recent.id]);
      });

      test('words that look like search operators are searched as words', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const message = await world.sent(general, ada, { content: 'NOT AND OR NEAR are plain words here' });
        for (const word of ['not', 'and', 'or', 'near']) {
          assert.deepEqual(ids((await search(world, [general.id], [word])).map((hit) => hit.message)), [message.id]);
        }
      });

      test('notes are found by their words, only among their own member’s', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const note = await world.store.insertNote({
          id: 'note_1',
          member_id: ada.id,
          room_id: null,
          content: 'The staging database password rotates on Mondays',
          created_at: world.now(),
        });
        await world.store.insertNote({
          id: 'note_2',
          member_id: bob.id,
          room_id: null,
          content: 'Bob also knows the staging database',
          created_at: world.now(),
        });
        const query = { terms: ['staging', 'mondays'], limit: 10, now: world.now() };
        const hits = await world.store.searchNotes(ada.id, query);
        assert.deepEqual(
          hits.map((hit) => hit.note),
          [note],
        );
        assert.ok(hits[0]!.score > 0);
        assert.equal((await world.store.searchNotes(bob.id, query)).length, 1);
        assert.deepEqual(await world.store.searchNotes(ada.id, { ...query, terms: ['lunch'] }), []);
      });
    });

    describe('history', () => {
      /** Ten messages by ada and bob, with a member.joined event after the fifth so that message seqs have a gap. */
      async function tenMessages(t: TestContext) {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const carol = await world.member('carol');
        const general = await world.room('general', [ada, bob]);
        const messages: Message[] = [];
        for (let i = 0; i < 10; i++) {
          if (i === 5)
            await world.store.addMembership(world.membership(general.id, carol), world.joined(carol, carol.id));
          messages.push(await world.sent(general, i % 2 === 0 ? ada : bob, { content: `m${i}` }));
        }
        assert.equal(messages[5]!.seq, messages[4]!.seq + 2);
        return { world, general, messages, ada, bob };
      }
      const pick = (messages: Message[], ...indexes: number[]) => indexes.map((index) => messages[index]!.id);

      test('without bounds returns the newest messages, ascending, with has_more when older ones exist', async (t) => {
        const { world, general, messages } = await tenMessages(t);
        const page = await world.store.history(general.id, { limit: 4 });
        assert.deepEqual(ids(page.messages), pick(messages, 6, 7, 8, 9));
        assert.equal(page.has_more, true);
        const all = await world.store.history(general.id, { limit: 10 });
        assert.deepEqual(ids(all.messages), ids(messages));
        assert.equal(all.has_more, false);
        assert.deepEqual(await world.store.history('r_empty', { limit: 10 }), { messages: [], has_more: false });
      });

      test('before a seq returns the newest messages below it, ascending', async (t) => {
        const { world, general, messages } = await tenMessages(t);
        const page = await world.store.history(general.id, { before: messages[7]!.seq, limit: 3 });
        assert.deepEqual(ids(page.messages), pick(messages, 4, 5, 6));
        assert.equal(page.has_more, true);
        const start = await world.store.history(general.id, { before: messages[2]!.seq, limit: 5 });
        assert.deepEqual(ids(start.messages), pick(messages, 0, 1));
        assert.equal(start.has_more, false);
      });

      test('after a seq returns the oldest messages above it, ascending', async (t) => {
        const { world, general, messages } = await tenMessages(t);
        const page = await world.store.history(general.id, { after: messages[3]!.seq, limit: 3 });
        assert.deepEqual(ids(page.messages), pick(messages, 4, 5, 6));
        assert.equal(page.has_more, true);
        const end = await world.store.history(general.id, { after: messages[7]!.seq, limit: 5 });
        assert.deepEqual(ids(end.messages), pick(messages, 8, 9));
        assert.equal(end.has_more, false);
        const between = await world.store.history(general.id, {
          after: messages[1]!.seq,
          before: messages[5]!.seq,
          limit: 10,
        });
        assert.deepEqual(ids(between.messages), pick(messages, 2, 3, 4));
        assert.equal(between.has_more, false);
      });

      test('time bounds are exclusive, and pages stay ascending', async (t) => {
        const { world, general, messages } = await tenMessages(t);
        const at = (index: number) => messages[index]!.created_at;
        const after = await world.store.history(general.id, { afterTime: at(6), limit: 10 });
        assert.deepEqual(ids(after.messages), pick(messages, 7, 8, 9));
        const before = await world.store.history(general.id, { beforeTime: at(3), limit: 10 });
        assert.deepEqual(ids(before.messages), pick(messages, 0, 1, 2));
        const window = await world.store.history(general.id, { afterTime: at(2), beforeTime: at(6), limit: 10 });
        assert.deepEqual(ids(window.messages), pick(messages, 3, 4, 5));
        assert.equal(window.has_more, false);

        const forward = await world.store.history(general.id, { afterTime: at(2), limit: 2 });
        assert.deepEqual(
          ids(forward.messages),
          pick(messages, 3, 4),
          'paging forward from a time reads the oldest first',
        );
        assert.equal(forward.has_more, true);
        const backward = await world.store.history(general.id, { beforeTime: at(6), limit: 2 });
        assert.deepEqual(
          ids(backward.messages),
          pick(messages, 4, 5),
          'paging back from a time reads the newest first',
        );
        assert.equal(backward.has_more, true);
      });

      test('filters by sender handle and by thread', async (t) => {
        const { world, general, messages, ada, bob } = await tenMessages(t);
        const bobs = await world.store.history(general.id, { sender: 'bob', limit: 3 });
        assert.deepEqual(ids(bobs.messages), pick(messages, 5, 7, 9));
        assert.equal(bobs.has_more, true);
        const root = messages[2]!;
        const replies = [
          await world.sent(general, bob, { threadId: root.id }),
          await world.sent(general, ada, { threadId: root.id }),
          await world.sent(general, bob, { threadId: root.id }),
        ];
        await world.sent(general, bob, { threadId: messages[3]!.id });
        const thread = await world.store.history(general.id, { threadId: root.id, limit: 10 });
        assert.deepEqual(ids(thread.messages), ids(replies), 'a thread page holds the replies, oldest first');
        const bobInThread = await world.store.history(general.id, { threadId: root.id, sender: 'bob', limit: 10 });
        assert.deepEqual(ids(bobInThread.messages), [replies[0]!.id, replies[2]!.id]);
        const lastReplies = await world.store.history(general.id, { threadId: root.id, limit: 2 });
        assert.deepEqual(ids(lastReplies.messages), [replies[1]!.id, replies[2]!.id]);
        assert.equal(lastReplies.has_more, true);
      });
    });

    describe('recent messages and threads', () => {
      test('returns the messages of the given rooms after a time, oldest first, up to the limit', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const one = await world.room('one', [ada]);
        const two = await world.room('two', [ada]);
        const three = await world.room('three', [ada]);
        const sent: Message[] = [];
        for (const room of [one, two, three, one, two, three, one]) sent.push(await world.sent(room, ada));
        const inOneAndTwo = sent.filter((message) => message.room !== three.id);
        assert.deepEqual(
          ids(await world.store.recentMessages({ roomIds: [one.id, two.id], limit: 10 })),
          ids(inOneAndTwo),
        );
        assert.deepEqual(
          ids(
            await world.store.recentMessages({ roomIds: [one.id, two.id], afterTime: sent[1]!.created_at, limit: 10 }),
          ),
          ids(inOneAndTwo.slice(2)),
        );
        assert.deepEqual(
          ids(
            await world.store.recentMessages({
              roomIds: [one.id, two.id, three.id],
              afterTime: sent[0]!.created_at,
              limit: 3,
            }),
          ),
          ids(sent.slice(1, 4)),
        );
        assert.deepEqual(await world.store.recentMessages({ roomIds: [], limit: 10 }), []);
      });

      test('with deliveredTo returns only the messages whose wake includes that agent', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        // One id is a prefix of the other: matching must be exact.
        const alpha = await world.member('alpha', 'agent');
        const alpha2 = await world.member('alpha2', 'agent');
        const general = await world.room('general', [ada, alpha, alpha2], { agent_depth_limit: 1 });
        const toAlpha = await world.sent(general, ada, { mentions: [alpha], wake: [alpha] });
        const toAlpha2Only = await world.sent(general, ada, { mentions: [alpha2], wake: [alpha2] });
        const toNobody = await world.sent(general, ada, { content: 'nobody' });
        const toBoth = await world.sent(general, ada, { mentionAll: true, wake: [alpha, alpha2] });
        const fromAgent = await world.sent(general, alpha2, { mentions: [alpha], wake: [alpha] });
        // Past the depth limit a message wakes nobody, whatever the core asked for.
        const pastLimit = await world.sent(general, alpha2, { mentions: [alpha], wake: [alpha] });
        assert.equal(pastLimit.depth, 2);
        assert.deepEqual(await world.store.messageAudience(pastLimit.id), {
          message: pastLimit,
          senderId: alpha2.id,
          wake: [],
          quiet: true,
        });
        const reaction = await world.store.addReaction(pastLimit.id, 'ada', '👀', {
          ...world.draft('reaction.added', ada),
          agents: [alpha2.id],
          quiet: true,
        });
        assert.equal(reaction?.quiet, true, 'an event drafted quiet is stored quiet');
        const listenerView = await world.store.events(general.id, reaction!.seq - 1, 10, {
          kind: 'agent',
          agentId: alpha.id,
          handle: alpha.handle,
          listen: 'all',
        });
        assert.deepEqual(listenerView, [], 'an agent listening to all does not get a quiet event');
        const delivered = await world.store.recentMessages({
          roomIds: [general.id],
          deliveredTo: { agentId: alpha.id, listensToAll: [] },
          limit: 10,
        });
        assert.deepEqual(ids(delivered), [toAlpha.id, toBoth.id, fromAgent.id]);
        const toAlpha2 = await world.store.recentMessages({
          roomIds: [general.id],
          deliveredTo: { agentId: alpha2.id, listensToAll: [] },
          limit: 10,
        });
        assert.deepEqual(ids(toAlpha2), [toAlpha2Only.id, toBoth.id]);
        // Listening to all of a room: every message there but its own and those past the depth limit.
        const listening = await world.store.recentMessages({
          roomIds: [general.id],
          deliveredTo: { agentId: alpha.id, listensToAll: [general.id] },
          limit: 10,
        });
        assert.deepEqual(ids(listening), [toAlpha.id, toAlpha2Only.id, toNobody.id, toBoth.id, fromAgent.id]);
      });

      test('lists the agents that wrote a thread root or a reply in it, once each', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const beta = await world.member('beta', 'agent');
        const gamma = await world.member('gamma', 'agent');
        const general = await world.room('general', [ada, alpha, beta, gamma]);
        const root = await world.sent(general, alpha);
        await world.sent(general, ada, { threadId: root.id });
        await world.sent(general, beta, { threadId: root.id });
        await world.sent(general, beta, { threadId: root.id });
        const otherRoot = await world.sent(general, ada);
        await world.sent(general, gamma, { threadId: otherRoot.id });
        assert.deepEqual(sorted(await world.store.threadAgents(root.id)), sorted([alpha.id, beta.id]));
        assert.deepEqual(await world.store.threadAgents(otherRoot.id), [gamma.id]);
        assert.deepEqual(await world.store.threadAgents('msg_missing'), []);
      });
    });

    describe('the room log and the delivery rule', () => {
      /**
       * A room whose log holds every case of the delivery rule: events for everyone, events for
       * listed agents, quiet events past the depth limit, agents' own messages (one even listing
       * its author, one for everyone), and agent ids where one is a prefix of another.
       */
      async function busyRoom(t: TestContext) {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent');
        const alpha2 = await world.member('alpha2', 'agent');
        const beta = await world.member('beta', 'agent');
        const agents = [alpha, alpha2, beta];
        const lab = await world.room('lab', [ada, ...agents], { agent_depth_limit: 1, listen: { beta: 'all' } });
        const plain = await world.sent(lab, ada, { content: 'plain' });
        await world.sent(lab, ada, { mentions: [alpha], wake: [alpha] });
        await world.sent(lab, ada, { mentions: [alpha2], wake: [alpha2] });
        const byAlpha = await world.sent(lab, alpha, { mentions: [beta], wake: [beta] });
        await world.sent(lab, beta, { mentions: [alpha], wake: [alpha] }); // depth 2: quiet
        await world.sent(lab, alpha, { mentions: [beta], wake: [beta] }); // depth 3: quiet
        await world.sent(lab, ada, { content: 'reset' });
        await world.sent(lab, beta, { content: 'beta thinks aloud' });
        await world.sent(lab, alpha, { content: 'lists itself', eventAgents: [alpha.id] }); // depth 2: quiet
        await world.sent(lab, ada, { content: 'reset' });
        await world.sent(lab, alpha, { content: 'for everyone', eventAgents: null });
        await world.store.updateRoom(lab.id, { topic: 'x' }, () => world.draft('room.updated', ada));
        await world.store.addReaction(byAlpha.id, 'ada', '👍', world.draft('reaction.added', ada, {}, [alpha.id]));
        await world.store.updateMessage(plain.id, { content: 'edited' }, () =>
          world.draft('message.updated', ada, {}, []),
        );
        await world.store.removeMembership(lab.id, alpha2.id, world.draft('member.left', alpha2));
        const log = await world.log(lab.id);
        assert.ok(log.some((event) => event.quiet) && log.some((event) => event.agents === null));
        return { world, lab, log, ada, alpha, alpha2, beta, agents };
      }

      const describeEvent = (event: StoredEvent) =>
        `#${event.seq} ${event.kind} by ${event.actor} agents=${JSON.stringify(event.agents)}${event.quiet ? ' quiet' : ''}`;

      test('pages through the log after a seq, in order, up to the limit', async (t) => {
        const { world, lab, log } = await busyRoom(t);
        assert.deepEqual(seqs(log), range(1, log.length));
        assert.deepEqual(await world.store.events(lab.id, 2, 3, { kind: 'all' }), log.slice(2, 5));
        assert.deepEqual(await world.store.events(lab.id, log.length - 1, 10, { kind: 'all' }), log.slice(-1));
        assert.deepEqual(await world.store.events(lab.id, log.length, 10, { kind: 'all' }), []);
        assert.deepEqual(await world.store.events('r_missing', 0, 10, { kind: 'all' }), []);
      });

      test('an agent listening to addressed events sees those for everyone and those that list it, never its own messages', async (t) => {
        const { world, lab, log, alpha } = await busyRoom(t);
        const seen = await world.store.events(lab.id, 0, 1000, {
          kind: 'agent',
          agentId: alpha.id,
          handle: alpha.handle,
          listen: 'addressed',
        });
        const expected = log.filter(
          (event) =>
            event.agents === null ||
            (event.agents.includes(alpha.id) && !(event.kind === 'message.created' && event.actor === alpha.handle)),
        );
        assert.deepEqual(seen.map(describeEvent), expected.map(describeEvent));
      });

      test('an agent listening to all events also sees every event that is not quiet, never its own messages', async (t) => {
        const { world, lab, log, beta } = await busyRoom(t);
        const seen = await world.store.events(lab.id, 0, 1000, {
          kind: 'agent',
          agentId: beta.id,
          handle: beta.handle,
          listen: 'all',
        });
        const expected = log.filter(
          (event) =>
            event.agents === null ||
            (!(event.kind === 'message.created' && event.actor === beta.handle) &&
              (!event.quiet || event.agents.includes(beta.id))),
        );
        assert.deepEqual(seen.map(describeEvent), expected.map(describeEvent));
      });

      test("the store's log filter agrees with the delivery rule's receives() for every agent, listen mode and event", async (t) => {
        const { world, lab, log, agents } = await busyRoom(t);
        const disagreements: string[] = [];
        for (const agent of agents) {
          for (const listen of ['addressed', 'all'] as const) {
            const viewer: LogViewer = { kind: 'agent', agentId: agent.id, handle: agent.handle, listen };
            const rule = { id: agent.id, handle: agent.handle, kind: 'agent', listen } as const;
            const seen = new Set(seqs(await world.store.events(lab.id, 0, 1000, viewer)));
            for (const event of log) {
              const expected = receives(event, rule);
              if (expected !== seen.has(event.seq)) {
                disagreements.push(
                  `${agent.handle}/${listen}: ${describeEvent(event)}: receives=${expected}, store=${seen.has(event.seq)}`,
                );
              }
            }
            // A filtered page is the next `limit` matching events, not a filter over the next `limit` events.
            const paged = seqs(await world.store.events(lab.id, 4, 3, viewer));
            const expectedPage = seqs(log.filter((event) => event.seq > 4 && receives(event, rule)).slice(0, 3));
            if (paged.join() !== expectedPage.join()) {
              disagreements.push(
                `${agent.handle}/${listen}: page after #4 of 3: receives=[${expectedPage}], store=[${paged}]`,
              );
            }
          }
        }
        assert.deepEqual(disagreements, []);
      });

      test('the all viewer sees every event of the room', async (t) => {
        const { world, lab, log } = await busyRoom(t);
        assert.equal(log.length, await world.lastSeq(lab.id));
        const kinds = new Set(log.map((event) => event.kind));
        for (const kind of [
          'member.joined',
          'message.created',
          'message.updated',
          'reaction.added',
          'room.updated',
          'member.left',
        ]) {
          assert.ok(kinds.has(kind as StoredEvent['kind']), `the log holds a ${kind} event`);
        }
        assert.deepEqual(await world.store.events(lab.id, 0, 1000, { kind: 'all' }), log);
      });
    });

    describe('concurrency', () => {
      test('200 messages sent at once into one room get seqs 1 to N with no gap or duplicate', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const bob = await world.member('bob');
        const general = await world.room('general', [ada, bob]);
        const results = await Promise.all(
          range(1, 200).map((i) => world.send(general, i % 2 ? ada : bob, { content: `m${i}` })),
        );
        const messageSeqs = results.map((result) => result.message.seq).sort((a, b) => a - b);
        assert.deepEqual(messageSeqs, range(general.last_seq + 1, general.last_seq + 200));
        assert.ok(results.every((result) => !result.duplicate && result.event.seq === result.message.seq));
        const log = await world.log(general.id);
        assert.deepEqual(seqs(log), range(1, general.last_seq + 200));
        assert.equal(await world.lastSeq(general.id), general.last_seq + 200);
        const page = await world.store.history(general.id, { limit: 500 });
        assert.equal(new Set(page.messages.map((message) => message.content)).size, 200);
      });

      test('the same client_id sent many times at once is stored exactly once', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const results = await Promise.all(
          range(1, 50).map((i) => world.send(general, ada, { content: `try ${i}`, clientId: 'retry-me' })),
        );
        const stored = results.filter((result) => !result.duplicate);
        assert.equal(stored.length, 1);
        assert.ok(results.every((result) => result.message.id === stored[0]!.message.id));
        assert.equal(await world.lastSeq(general.id), general.last_seq + 1);
        const page = await world.store.history(general.id, { limit: 100 });
        assert.deepEqual(ids(page.messages), [stored[0]!.message.id]);
      });
    });

    describe('lifecycle', () => {
      test('is ready while open', async (t) => {
        const { store } = await makeStore(t);
        assert.equal(await store.ready(), true);
      });

      test('a dump restores into an empty store as the same rows, and a one-room dump holds only that room', async (t) => {
        const world = await open(t);
        const ada = await world.member('ada');
        const alpha = await world.member('alpha', 'agent', { capabilities: ['review'] });
        await world.store.createToken({
          id: 't_dump',
          member_id: ada.id,
          hash: 'h'.repeat(64),
          name: 'laptop',
          kind: 'api',
          created_at: '2030-01-01T00:00:00.000Z',
          revoked_at: null,
        });
        await world.store.addDenylist({
          handle: 'spam',
          reason: 'x',
          created_by: 'ada',
          created_at: '2030-01-01T00:00:00.000Z',
        });
        const lab = await world.room('lab', [ada, alpha]);
        const other = await world.room('other', [ada]);
        const root = await world.sent(lab, ada, { mentions: [alpha], wake: [alpha] });
        await world.sent(lab, alpha, {
          threadId: root.id,
          parts: [{ type: 'tool_call', id: 'c', name: 'n', status: 'ok' }],
        });
        await world.sent(other, ada, { content: 'elsewhere' });
        await world.store.addReaction(root.id, 'ada', '👍', world.draft('reaction.added', ada));
        const note = {
          id: 'note_dump',
          member_id: alpha.id,
          room_id: lab.id,
          content: 'lab notes',
          created_at: world.now(),
        };
        await world.store.insertNote(note);
        await world.store.insertNote({ ...note, id: 'note_other', room_id: other.id });

        const collect = async (source: AsyncIterable<unknown>) => {
          const out = [];
          for await (const record of source) out.push(record);
          return out;
        };
        const all = await collect(world.store.dump());
        assert.ok(all.length > 10);
        const fresh = (await makeStore(t)).store;
        const written = await fresh.restore(
          (async function* () {
            yield* all as never[];
          })(),
        );
        assert.equal(written, all.length, 'every row was written');
        assert.deepEqual(await collect(fresh.dump()), all, 'the restored store dumps the same rows');
        assert.equal(
          await fresh.restore(
            (async function* () {
              yield* all as never[];
            })(),
          ),
          0,
          'restoring again writes nothing',
        );
        const found = await fresh.searchMessages({
          roomIds: [other.id],
          terms: ['elsewhere'],
          limit: 5,
          now: world.now(),
        });
        assert.equal(found.length, 1, 'restored messages are searchable');
        assert.equal((await fresh.searchNotes(alpha.id, { terms: ['lab'], limit: 5, now: world.now() })).length, 2);
        const history = await fresh.history(lab.id, { limit: 50 });
        assert.deepEqual(
          history.messages.map((m) => m.id),
          (await world.store.history(lab.id, { limit: 50 })).messages.map((m) => m.id),
        );

        const oneRoom = (await collect(world.store.dump(lab.id))) as Array<{
          table: string;
          row: Record<string, unknown>;
        }>;
        assert.ok(!oneRoom.some((record) => record.table === 'tokens' || record.table === 'denylist'));
        assert.deepEqual([...new Set(oneRoom.filter((r) => r.table === 'rooms').map((r) => r.row.id))], [lab.id]);
        assert.deepEqual(
          oneRoom.filter((r) => r.table === 'notes').map((r) => r.row.id),
          ['note_dump'],
          'a one-room dump holds the notes about that room',
        );
        assert.ok(
          oneRoom.filter((r) => r.table === 'messages').every((r) => r.row.room_id === lab.id),
          'only the room’s messages',
        );
        assert.deepEqual(
          oneRoom
            .filter((r) => r.table === 'members')
            .map((r) => r.row.handle)
            .sort(),
          ['ada', 'alpha'],
          'with its members',
        );
      });

      test('close() commits the writes already started, so that a reopened store has them', async (t) => {
        const { store, reopen } = await makeStore(t);
        const world = new World(store);
        const ada = await world.member('ada');
        const general = await world.room('general', [ada]);
        const writes = [
          world.member('bob'),
          world.member('carol', 'agent'),
          store.addDenylist({ handle: 'spammer', reason: '', created_by: 'ada', created_at: world.now() }),
          ...range(1, 5).map((i) => world.send(general, ada, { content: `m${i}` })),
        ];
        await store.close();
        await Promise.all(writes);
        if (!reopen) return;

        const again = await reopen();
        assert.deepEqual(sorted((await again.listMembers({})).map((member) => member.handle)), ['ada', 'bob', 'carol']);
        assert.deepEqual(
          (await again.listDenylist()).map((entry) => entry.handle),
          ['spammer'],
        );
        const page = await again.history(general.id, { limit: 10 });
        assert.deepEqual(sorted(page.messages.map((message) => message.content)), ['m1', 'm2', 'm3', 'm4', 'm5']);
        assert.equal((await again.roomById(general.id))?.last_seq, general.last_seq + 5);
      });
    });
  });
}
