/** The Store contract for rooms, the room list with its unread and mention counts, and memberships. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberRecord, RoomRecord } from '../../../src/core/ports.js';
import { type Open, hubError, seqs, sorted } from './world.js';

export function roomsContract(open: Open): void {
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
      assert.deepEqual(room, {
        ...input,
        archived_at: null,
        deleted_at: null,
        agent_wake_limit: null,
        last_seq: 3,
        member_count: 3,
      });
      assert.deepEqual(seqs(events), [1, 2, 3]);
      assert.deepEqual(
        events.map((event) => [
          event.kind,
          event.room,
          (event.data as { member_id?: string }).member_id,
          event.agents,
          event.quiet,
        ]),
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
      assert.deepEqual([bobs.unread, bobs.mentions], [2, 1], "bob: ada's @all (a mention) and alpha's message to ada");

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
      assert.equal(await world.store.markRead(general.id, ada.id, last - 3), last - 1, 'the cursor does not move back');
      assert.equal(await world.store.markRead(general.id, ada.id, last + 10), last, 'the cursor stops at last_seq');
      assert.equal((await world.store.membership(general.id, ada.id))?.read_seq, last);
      assert.equal(await world.store.markRead(general.id, 'm_nobody', 1), undefined);
    });

    test('lists a member’s conversations by their last message or rename, newest first, a keyset page at a time', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const helper = await world.member('helper', 'agent');
      const talk = (id: string, owner: MemberRecord) =>
        world.room(null, [owner, helper], { id, kind: 'conversation', title: id });
      const quiet = await talk('r_quiet', ada);
      const busy = await talk('r_busy', ada);
      const renamed = await talk('r_renamed', ada);
      const gone = await talk('r_gone', ada);
      await talk('r_bobs', bob);
      await world.room('general', [ada, helper]);
      await world.sent(busy, ada);
      await world.sent(quiet, helper);
      const renaming = world.draft('room.updated', ada);
      await world.store.updateRoom(renamed.id, { title: 'new title' }, () => renaming);
      await world.store.updateRoom(gone.id, { deleted_at: world.now() }, () => world.draft('room.updated', ada));

      const all = await world.store.conversationsOf(ada.id, { limit: 10 });
      assert.deepEqual(
        all.map((entry) => entry.id),
        [renamed.id, quiet.id, busy.id],
        'the rename is newest, then the last message; deleted rooms, channels and others’ conversations are left out',
      );
      assert.equal(all[0]!.active_at, renaming.at);

      const first = await world.store.conversationsOf(ada.id, { limit: 2 });
      assert.deepEqual(first, all.slice(0, 2));
      const rest = await world.store.conversationsOf(ada.id, { limit: 2, before: first[1] });
      assert.deepEqual(rest, all.slice(2));
      assert.deepEqual(await world.store.conversationsOf(ada.id, { limit: 2, before: all[2] }), []);

      const fresh = await talk('r_fresh', bob);
      assert.deepEqual(
        await world.store.conversationsOf(bob.id, { limit: 10 }),
        [
          { id: fresh.id, active_at: fresh.created_at },
          { id: 'r_bobs', active_at: (await world.store.roomById('r_bobs'))!.created_at },
        ],
        'a conversation with no message yet dates from its start',
      );
    });
  });
}
