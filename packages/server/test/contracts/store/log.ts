/** The Store contract for the room log, and the delivery rule it is read through. */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { receives } from '../../../src/core/delivery.js';
import type { LogViewer, StoredEvent } from '../../../src/core/ports.js';
import { type Open, range, seqs } from './world.js';

export function logContract(open: Open): void {
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
}
