import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, eventually, startHub } from '@roundtable/testkit';

test('presence goes online, away and offline, and typing reaches the room', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const bot = await hub.member('bot', 'agent');
  const watcher = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bob' && f.status === 'online');
  await b.request('presence', { status: 'away' });
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bob' && f.status === 'away');
  const members = await hub.api(ada.token, 'GET', '/api/v1/members');
  assert.equal(members.body.members.find((m: any) => m.handle === 'bob').presence, 'away');

  const agent = await RawClient.ready(t, hub.url, bot.token);
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bot' && f.status === 'online');
  await b.request('typing', { room: 'general' });
  const typing = await watcher.waitFor((f) => f.type === 'typing');
  assert.deepEqual([typing.member, typing.active, typing.thread_id], ['bob', true, null]);
  assert.ok(!agent.frames.some((f) => f.type === 'typing'), 'agents are not sent typing signals');

  b.close();
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bob' && f.status === 'offline');
  await eventually(async () => {
    const agents = await hub.api(ada.token, 'GET', '/agents');
    assert.equal(agents.body.agents[0].status, 'online');
  });
});

test('a connection that stops answering pings is dropped and its member goes offline', async (t) => {
  const hub = await startHub(t, { env: { HEARTBEAT_MS: '100' } });
  const [ada, bot] = await Promise.all([hub.member('ada'), hub.member('bot', 'agent')]);
  const watcher = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, bot.token);
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bot' && f.status === 'online');
  // A frozen process: its socket stays open but no pong ever comes back.
  (agent.socket as unknown as { pong: () => void }).pong = () => {};
  (agent.socket as unknown as { _receiver: { removeAllListeners: (e: string) => void } })._receiver.removeAllListeners(
    'ping',
  );
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'bot' && f.status === 'offline', 5_000);
});
