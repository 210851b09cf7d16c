import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, eventually, startHub } from '@roundtable/testkit';

test('a reader whose socket dies mid-stream resumes with every missed event once, in order', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const writer = await RawClient.ready(t, hub.url, bob.token);
  let reader = await RawClient.ready(t, hub.url, ada.token);
  const ready = reader.frames.find((f) => f.type === 'ready')!;
  const general = ready.rooms.find((room: { name: string }) => room.name === 'general');

  const total = 300;
  const sent: string[] = [];
  const sending = (async () => {
    for (let i = 0; i < total; i++) {
      sent.push((await writer.request('send', { room: 'general', content: `message ${i}` })).message.id);
    }
  })();
  await eventually(() => assert.ok(reader.messages().length >= 80, 'the reader got some messages'), 10_000);
  reader.close();
  const firstPart = reader.events(general.id);
  const cursor = firstPart.at(-1)!.seq as number;

  await eventually(() => assert.ok(sent.length >= 200, 'more messages were sent'), 10_000);
  reader = await RawClient.ready(t, hub.url, ada.token, { [general.id]: cursor });
  await sending;
  await eventually(() => {
    const ids = [...firstPart, ...reader.events(general.id)]
      .filter((f) => f.kind === 'message.created')
      .map((f) => f.data.id);
    assert.equal(ids.length, total);
  }, 10_000);

  const all = [...firstPart, ...reader.events(general.id)];
  const seqs = all.map((frame) => frame.seq as number);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'events arrive in seq order across the reconnect',
  );
  assert.equal(new Set(seqs).size, seqs.length, 'no event is delivered twice');
  const received = all.filter((f) => f.kind === 'message.created').map((f) => f.data.id);
  assert.deepEqual(received, sent, 'every message arrives, in the order it was sent');
  assert.ok(
    reader.frames.some((f) => f.type === 'synced' && f.room === general.id),
    'the catch-up is closed by `synced`',
  );
});

test('an agent resuming gets only the missed events addressed to it', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const person = await RawClient.ready(t, hub.url, ada.token);
  let agent = await RawClient.ready(t, hub.url, bot.token);
  const general = agent.frames.find((f) => f.type === 'ready')!.rooms[0].id as string;
  const seen = (await person.request('send', { room: 'general', content: '@bot first' })).message;
  await agent.waitFor((f) => f.type === 'event' && f.data.id === seen.id);
  const cursor = agent.events(general).at(-1)!.seq as number;
  agent.close();

  const missed: string[] = [];
  for (let i = 0; i < 10; i++) {
    const addressed = i % 3 === 0;
    const { message } = await person.request('send', {
      room: 'general',
      content: addressed ? `@bot task ${i}` : `chatter ${i}`,
    });
    if (addressed) missed.push(message.id);
  }
  agent = await RawClient.ready(t, hub.url, bot.token, { [general]: cursor });
  const live = (await person.request('send', { room: 'general', content: '@bot live again' })).message;
  await agent.waitFor((f) => f.type === 'event' && f.data.id === live.id);
  assert.deepEqual(
    agent.messages(general).map((f) => f.data.id),
    [...missed, live.id],
  );
});

test('events of a room joined while connected arrive live from the join on', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const room = (await a.request('room.create', { name: 'ops', kind: 'public' })).room;
  await b.request('room.join', { room: 'ops' });
  const joined = await b.waitFor((f) => f.type === 'event' && f.kind === 'member.joined' && f.room === room.id);
  assert.equal(joined.data.member, 'bob');
  const message = (await a.request('send', { room: 'ops', content: 'welcome' })).message;
  await b.waitFor((f) => f.type === 'event' && f.data.id === message.id);
  await b.request('room.leave', { room: 'ops' });
  const after = (await a.request('send', { room: 'ops', content: 'bob is gone' })).message;
  await a.waitFor((f) => f.type === 'event' && f.data.id === after.id);
  assert.ok(!b.messages().some((f) => f.data.id === after.id), 'a member who left receives nothing more');
});

test('a catch-up larger than the send buffer waits for a reader that stopped reading, instead of dropping it', async (t) => {
  const hub = await startHub(t, { env: { MAX_BUFFERED_BYTES: '65536' } });
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const general = (await hub.api(bob.token, 'GET', '/api/v1/rooms')).body.rooms[0];
  const text = 'x'.repeat(4_000);
  const total = 3_000;
  for (let i = 0; i < total; i += 100) {
    const sent = await Promise.all(
      Array.from({ length: 100 }, (_, k) =>
        hub.api(bob.token, 'POST', `/api/v1/rooms/${general.id}/messages`, { content: `${i + k} ${text}` }),
      ),
    );
    assert.ok(sent.every((response) => response.status === 201));
  }
  // About 12 MB to catch up, more than the kernel's socket buffers hold, while the reader reads nothing:
  // only a catch-up that waits for the socket to drain keeps its buffer under the 64 KiB limit.
  const reader = await RawClient.connect(t, hub.url, {
    token: ada.token,
    query: `resume=${general.id}:${general.last_seq}`,
  });
  const tcp = (reader.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  tcp.resume();
  await reader.waitFor((f) => f.type === 'synced', 30_000);
  assert.equal(reader.closeCode, undefined, 'the reader was not closed as a slow consumer');
  const received = reader.messages(general.id);
  const contents = received.map((f) => Number(String(f.data.content).split(' ')[0]));
  assert.deepEqual(
    [...contents].sort((a, b) => a - b),
    Array.from({ length: total }, (_, i) => i),
    'every message once',
  );
  const seqs = received.map((f) => f.seq as number);
  assert.deepEqual(
    seqs,
    [...seqs].sort((a, b) => a - b),
    'in seq order',
  );
});
