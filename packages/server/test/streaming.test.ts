import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub, tempDir } from '@roundtable/testkit';

test('a streamed reply grows by deltas and ends as one complete message', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const [bot, other] = await Promise.all([hub.member('bot', 'agent'), hub.member('other', 'agent')]);
  const person = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const bystander = await RawClient.ready(t, hub.url, other.token);

  const question = (await person.request('send', { room: 'general', content: '@bot explain' })).message;
  const started = await agent.request('stream.start', { room: 'general', thread_id: question.id });
  const id = started.message.id;
  assert.equal(started.message.status, 'streaming');
  const pieces = ['Stream', 'ing ', 'works', '.'];
  for (const delta of pieces) agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: id, delta }));
  await person.waitFor((f) => f.type === 'stream.delta' && f.index === pieces.length - 1);
  const midway = await person.request('message.get', { message: id });
  assert.equal(midway.message.content, pieces.join(''), 'a reader mid-stream sees the text so far');
  const done = await agent.request('stream.done', { message: id, metadata: { model: 'test' } });
  assert.equal(done.message.status, 'complete');
  assert.equal(done.message.content, pieces.join(''));

  const deltas = person.frames.filter((f) => f.type === 'stream.delta' && f.message === id);
  assert.deepEqual(
    deltas.map((f) => f.index),
    [0, 1, 2, 3],
  );
  assert.equal(deltas.map((f) => f.delta).join(''), done.message.content);
  const final = await person.waitFor((f) => f.type === 'event' && f.kind === 'message.updated' && f.data.id === id);
  assert.equal(final.data.content, pieces.join(''));
  assert.ok(!bystander.frames.some((f) => f.message === id || f.data?.id === id), 'an unaddressed agent sees nothing');
  assert.equal((await agent.requestError('stream.delta', { message: id, delta: 'late' })).code, 'not_streaming');
});

test('a person pressing stop cancels the stream and the agent is told', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const bot = await hub.member('bot', 'agent');
  const person = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const started = await agent.request('stream.start', { room: 'general', content: 'Thinking' });
  const id = started.message.id;
  agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: id, delta: '...' }));
  await person.waitFor((f) => f.type === 'stream.delta' && f.message === id);
  const stopped = await person.request('stream.cancel', { message: id });
  assert.equal(stopped.message.status, 'cancelled');
  assert.equal(stopped.message.content, 'Thinking...');
  assert.equal(stopped.message.metadata.cancelled_by, 'ada');
  const told = await agent.waitFor((f) => f.type === 'event' && f.kind === 'message.updated' && f.data.id === id);
  assert.equal(told.data.status, 'cancelled');
  assert.equal((await agent.requestError('stream.done', { message: id })).code, 'not_streaming');

  const second = (await agent.request('stream.start', { room: 'general' })).message;
  const bobClient = await RawClient.ready(t, hub.url, bob.token);
  const otherAgent = await hub.member('intruder', 'agent');
  const intruder = await RawClient.ready(t, hub.url, otherAgent.token);
  assert.equal((await intruder.requestError('stream.cancel', { message: second.id })).code, 'forbidden');
  assert.equal((await bobClient.requestError('stream.delta', { message: second.id, delta: 'x' })).code, 'forbidden');
  const failed = await agent.request('stream.error', { message: second.id, error: 'model timed out' });
  assert.equal(failed.message.status, 'error');
  assert.equal(failed.message.metadata.error, 'model timed out');
});

test('a stream left without deltas is closed as an error after the idle time', async (t) => {
  const hub = await startHub(t, { env: { STREAM_IDLE_MS: '150' } });
  const bot = await hub.member('bot', 'agent');
  const ada = await hub.member('ada');
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const person = await RawClient.ready(t, hub.url, ada.token);
  const id = (await agent.request('stream.start', { room: 'general' })).message.id;
  const ended = await person.waitFor((f) => f.type === 'event' && f.kind === 'message.updated' && f.data.id === id);
  assert.equal(ended.data.status, 'error');
  assert.match(ended.data.metadata.error, /timed out/);
});

test('a message still streaming when the hub stops ends as an error at the next start, with its text so far', async (t) => {
  const dir = tempDir(t);
  const first = await startHub(t, { dir });
  const bot = await first.member('bot', 'agent');
  const agent = await RawClient.ready(t, first.url, bot.token);
  const id = (await agent.request('stream.start', { room: 'general', content: 'half a tho' })).message.id;
  agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: id, delta: 'ught' }));
  await agent.waitFor((f) => f.type === 'stream.delta' && f.message === id);
  agent.close();
  await first.close();
  const second = await startHub(t, { dir, adminToken: first.adminToken });
  const message = await second.api(second.adminToken, 'GET', `/api/v1/messages/${id}`);
  assert.equal(message.body.message.status, 'error');
  assert.equal(message.body.message.content, 'half a thought', 'stopping saved the text so far');
  assert.match(message.body.message.metadata.error, /interrupted/);
});

test('stopping a stream in a private room one is not in reveals nothing', async (t) => {
  const hub = await startHub(t);
  const [ada, eve] = await Promise.all([hub.member('ada'), hub.member('eve')]);
  const bot = await hub.member('bot', 'agent');
  const owner = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const outsider = await RawClient.ready(t, hub.url, eve.token);
  const room = (await owner.request('room.create', { name: 'quiet', kind: 'private', members: ['bot'] })).room;
  const id = (await agent.request('stream.start', { room: room.id })).message.id;
  const live = await outsider.requestError('stream.cancel', { message: id });
  const unknown = await outsider.requestError('stream.cancel', { message: 'msg_doesnotexist' });
  assert.deepEqual([live.code, live.message], [unknown.code, unknown.message]);
  assert.equal(live.code, 'message_not_found');
});
