/** The Store contract for the mailbox: inbox cursors that only the inbox moves, and what a member sent. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ids, type Open } from './world.js';

export function mailboxContract(open: Open): void {
  describe('mailbox', () => {
    test('an inbox cursor starts where its member joined, moves only forward, never past the room, and apart from the read cursor', async (t) => {
      const world = await open(t);
      const [ada, bob] = [await world.member('ada'), await world.member('bob')];
      const general = await world.room('general', [ada]);
      await world.sent(general, ada);
      await world.sent(general, ada);
      await world.store.addMembership(world.membership(general.id, bob), world.joined(ada, bob.id));
      const [joinedAt] = (await world.store.inboxRooms(bob.id)).map((room) => room.inbox_seq);
      // The join's own event comes after: the inbox starts where the read cursor does.
      assert.equal(joinedAt, (await world.store.membership(general.id, bob.id))?.read_seq);
      assert.ok(joinedAt! >= 2, 'what was said before the join is not in the inbox');
      await world.sent(general, ada);
      await world.sent(general, ada);

      assert.equal(await world.store.advanceInbox(general.id, bob.id, joinedAt! + 1), joinedAt! + 1);
      assert.equal(await world.store.advanceInbox(general.id, bob.id, 1), joinedAt! + 1, 'never backwards');
      const last = await world.lastSeq(general.id);
      assert.equal(await world.store.advanceInbox(general.id, bob.id, last + 50), last, 'never past the room');
      assert.equal(await world.store.advanceInbox(general.id, 'm_nobody', 3), undefined);
      assert.deepEqual(
        (await world.store.inboxRooms(bob.id)).map((room) => [room.room_id, room.kind, room.last_seq, room.inbox_seq]),
        [[general.id, 'public', last, last]],
      );
      assert.equal((await world.store.membership(general.id, bob.id))?.read_seq, joinedAt, 'the read cursor stayed');
      await world.store.markRead(general.id, bob.id, joinedAt! + 1);
      assert.equal((await world.store.inboxRooms(bob.id))[0]!.inbox_seq, last, 'and reading moves no inbox cursor');
    });

    test('what a member sent: in its rooms, not deleted, in time order, the newest page or the page after a place', async (t) => {
      const world = await open(t);
      const [ada, bob] = [await world.member('ada'), await world.member('bob')];
      const general = await world.room('general', [ada, bob]);
      const lab = await world.room('lab', [ada, bob]);
      const other = await world.room('other', [ada]);
      const mine = [
        await world.sent(general, ada),
        await world.sent(lab, ada),
        await world.sent(other, ada),
        await world.sent(general, ada),
      ];
      await world.sent(general, bob);
      const gone = await world.sent(lab, ada);
      await world.store.updateMessage(gone.id, { deleted_at: world.now(), content: '' }, (message) =>
        world.draft('message.deleted', ada, { id: message.id }),
      );
      const query = { senderId: ada.id, roomIds: [general.id, lab.id] };

      assert.deepEqual(
        ids(await world.store.sentMessages({ ...query, limit: 10 })),
        ids([mine[0]!, mine[1]!, mine[3]!]),
      );
      assert.deepEqual(ids(await world.store.sentMessages({ ...query, limit: 2 })), ids([mine[1]!, mine[3]!]));
      const after = { created_at: mine[0]!.created_at, room_id: general.id, seq: mine[0]!.seq };
      assert.deepEqual(ids(await world.store.sentMessages({ ...query, after, limit: 1 })), ids([mine[1]!]));
      assert.deepEqual(await world.store.sentMessages({ ...query, roomIds: [], limit: 10 }), []);
    });
  });
}
