/**
 * A B-1072 client against the hub, as its scripts are written: `GET /messages?limit=50&room=general`
 * for the latest page, `before=` further back, `since=<last timestamp>` forward, `POST /send-message`,
 * and `ws://HOST/ws/user?user_id=alice&room=general` for a person's socket.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub, type TestHub } from '@roundtable/testkit';

interface SimpleMessage {
  id: string;
  sender: string;
  message: string;
  room: string;
  timestamp: string;
}

async function messages(hub: TestHub, token: string, query: string): Promise<SimpleMessage[]> {
  const reply = await hub.api(token, 'GET', `/messages?${query}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.messages as SimpleMessage[];
}

/** `count` messages through /send-message, all sent at once: they commit together, in any order. */
async function burst(hub: TestHub, token: string, sender: string, count: number, room = 'general') {
  const replies = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      hub.api(token, 'POST', '/send-message', { sender, message: `note ${index}`, room }),
    ),
  );
  for (const reply of replies) assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return replies.map((reply) => reply.body as SimpleMessage & { seq: number });
}

test('GET /messages?limit=50&room=general without since is the latest 50, oldest first, and before= pages back', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const sent = (await burst(hub, ada.token, 'ada', 120)).sort((a, b) => a.seq - b.seq);
  const ids = (page: SimpleMessage[]) => page.map((message) => message.id);

  const latest = await messages(hub, ada.token, 'limit=50&room=general');
  assert.deepEqual(ids(latest), ids(sent.slice(70)));

  const byTime = await messages(
    hub,
    ada.token,
    `limit=50&room=general&before=${encodeURIComponent(latest[0]!.timestamp)}`,
  );
  assert.deepEqual(ids(byTime), ids(sent.slice(20, 70)));
  const byId = await messages(hub, ada.token, `limit=50&room=general&before=${byTime[0]!.id}`);
  assert.deepEqual(ids(byId), ids(sent.slice(0, 20)));
  const epochSeconds = (Date.parse(byTime[0]!.timestamp) / 1000).toFixed(3);
  assert.deepEqual(ids(await messages(hub, ada.token, `limit=50&room=general&before=${epochSeconds}`)), ids(byId));

  const missing = await hub.api(ada.token, 'GET', '/messages?room=general&before=msg_nothing');
  assert.deepEqual([missing.status, missing.body.code], [404, 'message_not_found']);
  const badTime = await hub.api(ada.token, 'GET', '/messages?room=general&before=2025-13-45');
  assert.deepEqual([badTime.status, badTime.body.code], [400, 'invalid_request']);
});

test('before= a message of a room one cannot read is refused as a missing message', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  assert.equal((await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'secret', private: true })).status, 201);
  const [hidden] = await burst(hub, ada.token, 'ada', 1, 'secret');
  const refused = await hub.api(bob.token, 'GET', `/messages?before=${hidden!.id}`);
  assert.deepEqual([refused.status, refused.body.code], [404, 'message_not_found']);
});

test('paging forward with since=<last timestamp> neither skips nor repeats when a burst shares one millisecond', async (t) => {
  const frozen = Date.parse('2025-03-04T05:06:07.000Z');
  const hub = await startHub(t, { clock: { now: () => frozen } });
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  const [first] = await burst(hub, ada.token, 'ada', 1);
  const sent = [...(await burst(hub, ada.token, 'ada', 40)), ...(await burst(hub, bob.token, 'bob', 25))];
  const expected = [first!, ...sent.sort((a, b) => a.seq - b.seq)].map((message) => message.id);

  const stamps = (await messages(hub, ada.token, 'room=general&limit=500')).map((message) => message.timestamp);
  for (let index = 1; index < stamps.length; index += 1) {
    assert.ok(stamps[index]! > stamps[index - 1]!, `${stamps[index]} comes after ${stamps[index - 1]}`);
  }

  const seen: string[] = [];
  let since = new Date(frozen - 1).toISOString();
  for (;;) {
    const page = await messages(hub, ada.token, `room=general&limit=7&since=${encodeURIComponent(since)}`);
    if (page.length === 0) break;
    seen.push(...page.map((message) => message.id));
    since = page.at(-1)!.timestamp;
  }
  assert.deepEqual(seen, expected);
});

test('/ws/user?user_id=alice&room=general with alice’s token is alice’s socket; another member’s token is refused', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const bob = await hub.member('bob');
  const script = await hub.member('script', 'agent');

  const socket = await RawClient.connect(t, hub.url, {
    path: '/ws/user',
    query: `user_id=alice&room=general&token=${alice.token}`,
  });
  await socket.waitFor((frame) => frame.type === 'ready');
  const [hello] = await burst(hub, bob.token, 'bob', 1);
  const received = await socket.waitFor((frame) => frame.type === 'message' && frame.id === hello!.id);
  assert.deepEqual([received.sender, received.room, received.message], ['bob', 'general', 'note 0']);

  socket.sendRaw(JSON.stringify({ message: 'alice here' }));
  const echoed = await socket.waitFor((frame) => frame.type === 'message' && frame.message === 'alice here');
  assert.equal(echoed.sender, 'alice');
  assert.deepEqual(
    (await messages(hub, bob.token, 'room=general&limit=1')).map((message) => [message.sender, message.message]),
    [['alice', 'alice here']],
  );

  const impostor = await RawClient.connect(t, hub.url, {
    path: '/ws/user',
    query: `user_id=alice&room=general&token=${bob.token}`,
  });
  assert.equal(await impostor.waitForClose(), 4403);
  assert.ok(impostor.frames.some((frame) => frame.type === 'error' && frame.code === 'sender_mismatch'));

  const agentSocket = await RawClient.connect(t, hub.url, {
    path: '/ws/script',
    query: `user_id=nightly-7&room=general&token=${script.token}`,
  });
  await agentSocket.waitFor((frame) => frame.type === 'ready');
  agentSocket.sendRaw(JSON.stringify({ message: 'nightly report' }));
  await socket.waitFor((frame) => frame.type === 'message' && frame.sender === 'script');
});

test('no member may take the handle user, which /ws/user reserves for naming a person by user_id', async (t) => {
  const hub = await startHub(t);
  const created = await hub.api(hub.adminToken, 'POST', '/api/v1/members', { handle: 'user', kind: 'agent' });
  assert.deepEqual([created.status, created.body.code], [400, 'invalid_request']);
});
