/** The Store contract for messages: seqs shared with the log, duplicates, the agent chain, threads, edits and reactions. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, MessagePart } from '@roundtable/protocol';
import type { InsertMessageResult, MemberRecord } from '../../../src/core/ports.js';
import { type Open, hubError, ids, range, seqs, sorted } from './world.js';

export function messagesContract(open: Open): void {
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
          data: message,
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

      const joined = await world.store.addMembership(world.membership(general.id, carol), world.joined(ada, carol.id));
      const second = await world.sent(general, bob);
      const inOther = await world.sent(other, bob);
      const reaction = await world.store.addReaction(second.id, 'ada', '👀', world.draft('reaction.added', ada));
      const updated = await world.store.updateRoom(general.id, { topic: 't' }, () => world.draft('room.updated', ada));
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
      assert.equal(plain.duplicate || plainAgain.duplicate, false, 'messages without a client id are never duplicates');
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
      await world.store.updateMessage(finished.id, { status: 'complete' }, () => world.draft('message.updated', alpha));
      const errored = await world.sent(one, beta, { status: 'streaming' });
      await world.store.updateMessage(errored.id, { status: 'error' }, () => world.draft('message.updated', beta));

      const streaming = (await world.store.streamingMessages()).sort((a, b) => (a.message.id < b.message.id ? -1 : 1));
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
}
