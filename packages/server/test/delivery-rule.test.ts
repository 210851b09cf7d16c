import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';
import type { RequestParams } from '@roundtable/protocol';

test('two people and three agents in two rooms: every message reaches exactly the right members', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const [alpha, beta, gamma] = await Promise.all([
    hub.member('alpha', 'agent'),
    hub.member('beta', 'agent'),
    hub.member('gamma', 'agent'),
  ]);
  const clients = {
    ada: await RawClient.ready(t, hub.url, ada.token),
    bob: await RawClient.ready(t, hub.url, bob.token),
    alpha: await RawClient.ready(t, hub.url, alpha.token),
    beta: await RawClient.ready(t, hub.url, beta.token),
    gamma: await RawClient.ready(t, hub.url, gamma.token),
  };
  const lab = (
    await clients.ada.request('room.create', { name: 'lab', kind: 'private', members: ['alpha', 'beta', 'gamma'] })
  ).room;
  await clients.gamma.request('room.settings', { room: lab.id, listen: 'all' });
  const dm = (await clients.ada.request('room.direct', { members: ['beta'] })).room;

  const expected = new Map<string, Set<string>>(Object.keys(clients).map((name) => [name, new Set<string>()]));
  const everyone = ['ada', 'bob'];
  async function say(from: keyof typeof clients, params: RequestParams<'send'>, recipients: string[]) {
    const { message } = await clients[from].request('send', params);
    for (const name of recipients) expected.get(name)!.add(message.id);
    return message;
  }

  await say('ada', { room: 'general', content: 'hello everyone' }, [...everyone]);
  const mention = await say('ada', { room: 'general', content: '@alpha can you look at this?' }, [
    ...everyone,
    'alpha',
  ]);
  await say('bob', { room: 'general', content: 'status?', targets: ['beta'] }, [...everyone, 'beta']);
  await say('ada', { room: 'general', content: '@all standup in five' }, [...everyone, 'alpha', 'beta', 'gamma']);
  await say('alpha', { room: 'general', content: 'on it', thread_id: mention.id }, [...everyone]);
  await say('ada', { room: 'general', content: 'thanks!', thread_id: mention.id }, [...everyone, 'alpha']);
  await say('bob', { room: 'general', content: 'code `@beta` is not a mention' }, [...everyone]);
  await say('ada', { room: dm.id, content: 'a private question' }, ['ada', 'beta']);
  await say('ada', { room: lab.id, content: 'plain words in the lab' }, ['ada', 'gamma']);
  await say('alpha', { room: lab.id, content: '@beta please check' }, ['ada', 'beta', 'gamma']);
  await say('beta', { room: lab.id, content: 'done' }, ['ada', 'gamma']);

  // Each room's events arrive in seq order, so a last `@all` in every room marks the end of its traffic.
  const markers = [
    await say('ada', { room: 'general', content: '@all end' }, [...everyone, 'alpha', 'beta', 'gamma']),
    await say('ada', { room: dm.id, content: 'end' }, ['ada', 'beta']),
    await say('ada', { room: lab.id, content: '@all end' }, ['ada', 'alpha', 'beta', 'gamma']),
  ];
  for (const [name, client] of Object.entries(clients)) {
    for (const marker of markers) {
      if (expected.get(name)!.has(marker.id)) {
        await client.waitFor(
          (frame) => frame.type === 'event' && frame.kind === 'message.created' && frame.data.id === marker.id,
        );
      }
    }
  }
  for (const [name, client] of Object.entries(clients)) {
    const received = client.messages().map((frame) => frame.data.id as string);
    assert.equal(new Set(received).size, received.length, `${name} received a message twice`);
    assert.deepEqual(new Set(received), expected.get(name), `${name} received the wrong messages`);
  }
});

test('agents are not woken past the room depth limit, and the room gets one system notice', async (t) => {
  const hub = await startHub(t, { env: { AGENT_DEPTH_LIMIT: '2' } });
  const ada = await hub.member('ada');
  const [alpha, beta] = await Promise.all([hub.member('alpha', 'agent'), hub.member('beta', 'agent')]);
  const person = await RawClient.ready(t, hub.url, ada.token);
  const a = await RawClient.ready(t, hub.url, alpha.token);
  const b = await RawClient.ready(t, hub.url, beta.token);

  await person.request('send', { room: 'general', content: '@alpha start' });
  const first = (await a.request('send', { room: 'general', content: '@beta your turn' })).message;
  const second = (await b.request('send', { room: 'general', content: '@alpha back to you' })).message;
  const third = (await a.request('send', { room: 'general', content: '@beta again' })).message;
  const fourth = (await b.request('send', { room: 'general', content: '@alpha and again' })).message;
  assert.deepEqual([first.depth, second.depth, third.depth, fourth.depth], [1, 2, 3, 4]);

  const notice = await person.waitFor(
    (f) => f.type === 'event' && f.kind === 'message.created' && f.data.sender === 'system',
  );
  assert.match(notice.data.content, /Agent chain limit reached/);
  const reset = (await person.request('send', { room: 'general', content: '@alpha @beta a person speaks' })).message;
  await a.waitFor((f) => f.type === 'event' && f.data.id === reset.id);
  await b.waitFor((f) => f.type === 'event' && f.data.id === reset.id);

  assert.ok(
    b.messages().some((f) => f.data.id === first.id),
    'depth 1 wakes',
  );
  assert.ok(
    a.messages().some((f) => f.data.id === second.id),
    'depth 2 wakes',
  );
  assert.ok(!b.messages().some((f) => f.data.id === third.id), 'depth 3 is past the limit');
  assert.ok(!a.messages().some((f) => f.data.id === fourth.id), 'depth 4 is past the limit');
  assert.equal(person.messages().filter((f) => f.data.sender === 'system').length, 1, 'one notice per chain');
  const next = (await a.request('send', { room: 'general', content: '@beta fresh chain' })).message;
  assert.equal(next.depth, 1, 'a person posting resets the chain');
});
