/** The Store contract for agents' loops and cost: ending a room's agent chain, a room's wake limit, usage per day. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Open } from './world.js';

export function agentUsageContract(open: Open): void {
  describe('agent chains and usage', () => {
    test('ending a room’s agent chain quiets agents until a person posts, and says whether it changed', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const scout = await world.member('scout', 'agent');
      const echo = await world.member('echo', 'agent');
      const lab = await world.room('lab', [ada, scout, echo]);
      const first = await world.send(lab, scout, { wake: [echo] });
      assert.equal(first.duplicate || first.depthExceeded, false);

      assert.equal(await world.store.endAgentChain(lab.id), true);
      assert.equal(await world.store.endAgentChain(lab.id), false, 'already ended');
      const quiet = await world.send(lab, scout, { wake: [echo] });
      assert.ok(!quiet.duplicate && quiet.depthExceeded && !quiet.firstPastLimit, 'quiet, and no depth notice due');
      assert.deepEqual(quiet.event.agents, []);
      assert.deepEqual((await world.store.messageAudience(quiet.message.id))?.wake, []);

      await world.sent(lab, ada);
      const woken = await world.send(lab, scout, { wake: [echo] });
      assert.ok(!woken.duplicate && !woken.depthExceeded);
      assert.deepEqual(woken.event.agents, [echo.id]);
      assert.equal(await world.store.endAgentChain('r_missing'), false);
    });

    test('a room’s wake limit is null until set, and can be set back to null', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const lab = await world.room('lab', [ada]);
      assert.equal((await world.store.roomById(lab.id))?.agent_wake_limit, null);
      const set = await world.store.updateRoom(lab.id, { agent_wake_limit: 5 }, () => world.draft('room.updated', ada));
      assert.equal(set.room.agent_wake_limit, 5);
      assert.equal((await world.store.roomById(lab.id))?.agent_wake_limit, 5);
      await world.store.updateRoom(lab.id, { agent_wake_limit: null }, () => world.draft('room.updated', ada));
      assert.equal((await world.store.roomById(lab.id))?.agent_wake_limit, null);
    });

    test('usage adds up per day, agent and room, and is read by a range of days', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const scout = await world.member('scout', 'agent');
      const echo = await world.member('echo', 'agent');
      const lab = await world.room('lab', [ada, scout, echo]);
      const den = await world.room('den', [ada, scout]);
      const add = (day: string, agent: typeof scout, room: typeof lab, input: number, output: number) =>
        world.store.addAgentUsage({
          day,
          agent_id: agent.id,
          room_id: room.id,
          input_tokens: input,
          output_tokens: output,
        });
      await add('2026-12-01', scout, lab, 100, 10);
      await add('2026-12-01', scout, lab, 5_000_000_000, 1);
      await add('2026-12-01', echo, lab, 7, 3);
      await add('2026-12-01', scout, den, 1, 2);
      await add('2026-12-02', scout, lab, 4, 4);
      await add('2026-12-09', scout, lab, 9, 9);

      const week = await world.store.agentUsage({ since: '2026-12-01', until: '2026-12-08' });
      assert.deepEqual(
        week.map((row) => [row.day, row.agent, row.room_name, row.input_tokens, row.output_tokens, row.messages]),
        [
          ['2026-12-01', 'echo', 'lab', 7, 3, 1],
          // Room ids are `r_<name>` in this world: den's sorts first.
          ['2026-12-01', 'scout', 'den', 1, 2, 1],
          ['2026-12-01', 'scout', 'lab', 5_000_000_100, 11, 2],
          ['2026-12-02', 'scout', 'lab', 4, 4, 1],
        ],
      );
      assert.deepEqual(
        { ...week[0]!, day: undefined },
        {
          day: undefined,
          agent_id: echo.id,
          agent: 'echo',
          room_id: lab.id,
          room_name: 'lab',
          room_kind: 'public',
          input_tokens: 7,
          output_tokens: 3,
          messages: 1,
        },
      );
      assert.deepEqual(await world.store.agentUsage({ since: '2026-12-03', until: '2026-12-08' }), []);
      assert.equal((await world.store.agentUsage({ since: '2026-12-09', until: '2026-12-09' })).length, 1);
    });
  });
}
