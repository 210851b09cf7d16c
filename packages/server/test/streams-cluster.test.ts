/**
 * Streams survive their instance: when the hub instance holding a stream dies or stops answering,
 * the others end it from its last checkpoint within STREAM_IDLE_MS, once, over PostgreSQL and Redis.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  POSTGRES_URL,
  RawClient,
  REDIS_URL,
  eventually,
  serviceSkip,
  startCluster,
  type Cluster,
  type Frame,
  type Instance,
} from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

/** Short, so the tests wait little: the hub then checkpoints and sweeps every 375 ms. */
const IDLE_MS = 1_500;
/**
 * What the bound leaves to the machine, past STREAM_IDLE_MS from the moment the holder was killed:
 * the ending write's commit, its way through Redis to the reader, and timers firing late on a
 * busy test machine.
 */
const MARGIN_MS = 1_000;

const START = 'Deploy 142: ';
const DELTAS = ['build ', 'green, ', 'rolling out'];
const TEXT = START + DELTAS.join('');

const endOf = (id: string) => (frame: Frame) =>
  frame.type === 'event' && frame.kind === 'message.updated' && frame.data?.id === id;

/** An agent on `holder` streams a reply with a few deltas; returns once the holder has checkpointed them. */
async function streamOn(cluster: Cluster, holder: Instance, agent: RawClient, reader: RawClient, token: string) {
  const general = reader.frames.find((frame) => frame.type === 'ready')!.rooms[0].id as string;
  const id = (await agent.request('stream.start', { room: general, content: START })).message.id;
  for (const delta of DELTAS) agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: id, delta }));
  await reader.waitFor(
    (frame) => frame.type === 'stream.delta' && frame.message === id && frame.index === DELTAS.length - 1,
  );
  // Another instance reads a stream it does not hold from the store: the text is there after a checkpoint.
  const elsewhere = cluster.instances.find((instance) => instance !== holder)!;
  await eventually(async () => {
    const { body } = await cluster.api(elsewhere, token, 'GET', `/api/v1/messages/${id}`);
    assert.equal(body.message.content, TEXT, 'the holder checkpointed the text so far');
    assert.equal(body.message.status, 'streaming', 'and it still streams');
  });
  return { general, id };
}

/** The message.updated events of `id` in the room's log, read afresh on `instance`. */
async function endingsInLog(t: TestContext, instance: Instance, token: string, room: string, id: string) {
  const reader = await RawClient.ready(t, instance.url, token);
  await reader.request('sync', { room, after: 0 });
  const endings = reader.events(room).filter(endOf(id));
  reader.close();
  return endings;
}

/** After a message sent now has reached `client`, whatever ending was on its way has too. */
async function settled(client: RawClient, room: string): Promise<void> {
  const marker = (await client.request('send', { room, content: 'marker' })).message.id;
  await client.waitFor((frame) => frame.type === 'event' && frame.data?.id === marker, 10_000);
}

test(
  'when the instance holding a stream is killed, another ends it within STREAM_IDLE_MS, once, with the text so far',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL, env: { STREAM_IDLE_MS: String(IDLE_MS) } });
    const [a, b] = cluster.instances as [Instance, Instance];
    const [ada, bot] = await Promise.all([cluster.member('ada'), cluster.member('bot', 'agent')]);
    const person = await RawClient.ready(t, b.url, ada);
    const agent = await RawClient.ready(t, a.url, bot);
    const { general, id } = await streamOn(cluster, a, agent, person, ada);

    const killedAt = Date.now();
    await a.kill();
    const ended = await person.waitFor(endOf(id), IDLE_MS + 15_000);
    const elapsed = Date.now() - killedAt;
    t.diagnostic(`ended ${elapsed} ms after the kill (STREAM_IDLE_MS ${IDLE_MS})`);
    assert.ok(elapsed <= IDLE_MS + MARGIN_MS, `ended ${elapsed} ms after the kill`);
    assert.deepEqual([ended.data.status, ended.data.content], ['error', TEXT]);
    assert.match(ended.data.metadata.error, /instance hosting this stream stopped/);

    await settled(person, general);
    assert.equal(person.frames.filter(endOf(id)).length, 1, 'one ending reached the reader');
    assert.equal((await endingsInLog(t, b, ada, general, id)).length, 1, 'one ending in the log');
    const history = (await person.request('history', { room: general })).messages.find((m) => m.id === id);
    assert.deepEqual([history?.status, history?.content], ['error', TEXT]);
    assert.equal(history?.metadata.error, ended.data.metadata.error);
  },
);

test(
  'instances racing to end the stream of a holder that stopped answering write one ending, which the holder cannot overwrite',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 3, redisUrl: REDIS_URL, env: { STREAM_IDLE_MS: String(IDLE_MS) } });
    const [a, b, c] = cluster.instances as [Instance, Instance, Instance];
    const [ada, bob, bot] = await Promise.all([
      cluster.member('ada'),
      cluster.member('bob'),
      cluster.member('bot', 'agent'),
    ]);
    const onB = await RawClient.ready(t, b.url, ada);
    const onC = await RawClient.ready(t, c.url, bob);
    const agent = await RawClient.ready(t, a.url, bot);
    const { general, id } = await streamOn(cluster, a, agent, onB, ada);

    // Paused, A neither checkpoints nor answers, like a dead instance, and B and C race to end its
    // stream; unlike a dead one, A comes back afterwards, still holding the stream in its memory.
    const pausedAt = Date.now();
    a.child.kill('SIGSTOP');
    const [onBEnded, onCEnded] = await Promise.all([
      onB.waitFor(endOf(id), IDLE_MS + 15_000),
      onC.waitFor(endOf(id), IDLE_MS + 15_000),
    ]);
    const elapsed = Date.now() - pausedAt;
    t.diagnostic(`ended ${elapsed} ms after the pause (STREAM_IDLE_MS ${IDLE_MS})`);
    assert.ok(elapsed <= IDLE_MS + MARGIN_MS, `ended ${elapsed} ms after the pause`);
    assert.deepEqual(onBEnded.data, onCEnded.data, 'both readers got the same ending');
    assert.deepEqual([onBEnded.data.status, onBEnded.data.content], ['error', TEXT]);

    a.child.kill('SIGCONT');
    const refused = await agent.requestError('stream.done', { message: id, content: 'overwritten' });
    assert.equal(refused.code, 'not_streaming', 'the holder tells its producer the stream is over');
    assert.equal(
      (await agent.requestError('stream.delta', { message: id, delta: 'more' })).code,
      'not_streaming',
      'and has let it go',
    );

    await Promise.all([settled(onB, general), settled(onC, general)]);
    assert.equal(onB.frames.filter(endOf(id)).length, 1, 'one ending reached B');
    assert.equal(onC.frames.filter(endOf(id)).length, 1, 'one ending reached C');
    const endings = await endingsInLog(t, c, bob, general, id);
    assert.equal(endings.length, 1, 'one ending in the log');
    const stored = (await cluster.api(c, bob, 'GET', `/api/v1/messages/${id}`)).body.message;
    assert.deepEqual([stored.status, stored.content], ['error', TEXT], 'nothing was overwritten');
  },
);
