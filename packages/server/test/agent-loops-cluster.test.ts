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
    await eventually(() =>
      assert.ok([alpha, beta].every((agent) => agent.heard.at(-1)?.content.startsWith('@alpha @beta'))),
    );
    assert.equal(beta.heard.filter((message) => message.sender === 'alpha').length, 3);
    assert.equal(alpha.heard.filter((message) => message.sender === 'beta').length, 3);
    const history = (await person.request('history', { room: 'lab' })).messages as Message[];
    assert.equal(history.filter((message) => message.metadata.notice === 'agent_wake_limit').length, 1);
  },
);
