/** The wake budget across instances: two agents on different hub processes share one count through Redis. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@roundtable/client';
import { eventually, POSTGRES_URL, RawClient, REDIS_URL, serviceSkip, startCluster } from '@roundtable/testkit';
import { chatterbox, isNotice, WORDS } from './agent-chatter.js';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

test(
  'two agents on different instances that answer each other stop at the wake budget, with one notice',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL, env: { AGENT_WAKES_PER_MINUTE: '3' } });
    const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const [ada, alphaToken, betaToken] = await Promise.all([
      cluster.member('ada'),
      cluster.member('alpha', 'agent'),
      cluster.member('beta', 'agent'),
    ]);
    const person = await RawClient.ready(t, a.url, ada);
    await person.request('room.create', { name: 'lab', members: ['alpha', 'beta'] });
    const alpha = await chatterbox(t, a.url, alphaToken, 'beta', (turn) => `what about the ${WORDS[turn]}?`);
    const beta = await chatterbox(t, b.url, betaToken, 'alpha', (turn) => `I would say ${WORDS[turn + 5]}.`);

    await person.request('send', { room: 'lab', content: '@alpha please settle the plan' });
    const notice = await person.waitFor(isNotice('agent_wake_limit'), 20_000);
    assert.deepEqual(notice.data.metadata, { notice: 'agent_wake_limit', agent: 'beta', limit: 3 });
    alpha.running = false;
    beta.running = false;

    await person.request('send', { room: 'lab', content: '@alpha @beta thanks, that will do' });
    // A reply already on its way when the agents stopped may land after it: the person's message is heard, wherever.
    await eventually(() =>
      assert.ok(
        [alpha, beta].every((agent) => agent.heard.some((m) => m.content.startsWith('@alpha @beta'))),
        'both agents heard the person',
      ),
    );
    assert.equal(beta.heard.filter((message) => message.sender === 'alpha').length, 3);
    assert.equal(alpha.heard.filter((message) => message.sender === 'beta').length, 3);
    const history = (await person.request('history', { room: 'lab' })).messages as Message[];
    assert.equal(history.filter((message) => message.metadata.notice === 'agent_wake_limit').length, 1);
  },
);

test(
  'an agent’s token budget counts what it spent through every instance, and the room is told once',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, {
      count: 2,
      redisUrl: REDIS_URL,
      env: { AGENT_TOKENS_PER_ROOM_PER_HOUR: '100' },
    });
    const [a, b] = cluster.instances as [(typeof cluster.instances)[0], (typeof cluster.instances)[0]];
    const [ada, helperToken] = await Promise.all([cluster.member('ada'), cluster.member('helper', 'agent')]);
    const person = await RawClient.ready(t, b.url, ada);
    const onA = await RawClient.ready(t, a.url, helperToken);
    const onB = await RawClient.ready(t, b.url, helperToken);
    const usage = (tokens: number) => ({ usage: { input_tokens: tokens, output_tokens: 0 } });

    await onA.request('send', { room: 'general', content: 'through a', metadata: usage(60) });
    await onB.request('send', { room: 'general', content: 'through b', metadata: usage(60) });
    // 120 of 100, though each instance took only 60.
    for (const client of [onA, onB]) {
      const refused = await client.requestError('send', { room: 'general', content: 'more' });
      assert.equal(refused.code, 'budget_exhausted');
      assert.ok(refused.retry_after_ms > 3_500_000, String(refused.retry_after_ms));
    }
    await person.waitFor(isNotice('budget_exhausted'));
    const agents = await cluster.api(a, cluster.adminToken, 'GET', '/api/v1/agents');
    const row = agents.body.agents.find((agent: { handle: string }) => agent.handle === 'helper');
    assert.equal(row.tokens_this_hour, 120, 'the Agents page counts both instances');
    const history = (await person.request('history', { room: 'general' })).messages as Message[];
    assert.equal(history.filter((message) => message.metadata.notice === 'budget_exhausted').length, 1);
  },
);
