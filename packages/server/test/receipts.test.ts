/**
 * Delivery receipts: a person mentions an agent on a WebSocket, one waiting in an MCP session and
 * one that is offline; each state moves forward, live to the sender, and outlives a restart.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, mcpClient, RawClient, startHub, toolJson, type Frame } from '@roundtable/testkit';

/** The states the sender was told of, in order, for one member of one message. */
function statesOf(frames: Frame[], message: string, member: string): string[] {
  return frames
    .filter((frame) => frame.type === 'receipt' && frame.message === message && frame.member === member)
    .map((frame) => frame.state);
}

test('receipts move stored → delivered → read → acted for a WebSocket and an MCP agent, live to the sender', async (t) => {
  const hub = await startHub(t);
  const [ada, cy, ws, mcpAgent] = await Promise.all([
    hub.member('ada'),
    hub.member('cy'),
    hub.member('wsbot', 'agent'),
    hub.member('mcpbot', 'agent'),
    hub.member('sleepy', 'agent'),
  ]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const room = (
    await a.request('room.create', { name: 'ops', kind: 'private', members: ['wsbot', 'mcpbot', 'sleepy'] })
  ).room;
  const w = await RawClient.ready(t, hub.url, ws.token);
  const before = hub.hub.eventWatcherCount;
  const mcp = await mcpClient(t, hub.url, mcpAgent.token);
  // The session's GET stream watches the agent's rooms, for the notifications of its subscriptions.
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, before + 1));
  const watchers = hub.hub.eventWatcherCount;
  const waiting = mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 10 } });
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, watchers + 1));

  const sent = await a.request('send', { room: room.id, content: '@wsbot @mcpbot @sleepy please check the deploy' });
  const id = sent.message.id;
  assert.deepEqual(
    sent.notices?.map((notice) => [notice.code, notice.members]),
    [['agent_offline', ['sleepy']]],
    'the send answer says at once who is offline',
  );
  const notice = await a.waitFor((frame) => frame.type === 'notice' && frame.message === id);
  assert.equal(notice.text, '@sleepy is offline; it will get this when it connects.');

  // The WebSocket agent: delivered as it arrives, read when its cursor passes it, acted by its reply.
  const arrived = await w.waitFor((frame) => frame.type === 'event' && frame.data?.id === id);
  await a.waitFor((frame) => frame.type === 'receipt' && frame.member === 'wsbot' && frame.state === 'delivered');
  await w.request('read', { room: room.id, seq: arrived.seq });
  await a.waitFor((frame) => frame.type === 'receipt' && frame.member === 'wsbot' && frame.state === 'read');
  await w.request('send', { room: room.id, content: 'on it', thread_id: id });
  const acted = await a.waitFor(
    (frame) => frame.type === 'receipt' && frame.member === 'wsbot' && frame.state === 'acted',
  );
  assert.ok(acted.delivered_at && acted.read_at && acted.acted_at);
  assert.ok(acted.delivered_at <= acted.read_at && acted.read_at <= acted.acted_at, 'each step after the one before');

  // The MCP agent: its wait returns the message (delivered) and marks it read; its reply addressing ada acts.
  const woken = toolJson(await waiting);
  assert.deepEqual(
    woken.messages.map((message: any) => message.id),
    [id],
  );
  await a.waitFor((frame) => frame.type === 'receipt' && frame.member === 'mcpbot' && frame.state === 'read');
  await mcp.callTool({ name: 'send_message', arguments: { room: room.id, content: '@ada looks fine' } });
  await a.waitFor((frame) => frame.type === 'receipt' && frame.member === 'mcpbot' && frame.state === 'acted');
  assert.deepEqual(statesOf(a.frames, id, 'wsbot'), ['delivered', 'read', 'acted']);
  assert.deepEqual(statesOf(a.frames, id, 'mcpbot'), ['delivered', 'read', 'acted']);
  assert.deepEqual(statesOf(a.frames, id, 'sleepy'), [], 'the offline agent has not moved');

  const expected = [
    ['mcpbot', 'acted'],
    ['sleepy', 'stored'],
    ['wsbot', 'acted'],
  ];
  const rest = await hub.api(ada.token, 'GET', `/api/v1/messages/${id}/receipts`);
  assert.equal(rest.status, 200);
  assert.deepEqual(
    rest.body.receipts.map((receipt: any) => [receipt.member, receipt.state]),
    expected,
  );
  assert.equal(rest.body.receipts[1].delivered_at, null);
  const overWs = await a.request('message.receipts', { message: id });
  assert.deepEqual(overWs, rest.body, 'the WebSocket request answers the same');

  // Whoever cannot read the message cannot read its receipts, and cannot tell it exists.
  assert.equal((await hub.api(cy.token, 'GET', `/api/v1/messages/${id}/receipts`)).status, 404);
  const c = await RawClient.ready(t, hub.url, cy.token);
  assert.equal((await c.requestError('message.receipts', { message: id })).code, 'message_not_found');
  assert.equal(
    c.frames.filter((frame) => frame.type === 'receipt').length,
    0,
    'no receipt frame leaks out of the room',
  );
});

test('an agent that connects later gets the message on resume: its receipt becomes delivered', async (t) => {
  const hub = await startHub(t);
  const [ada, late] = await Promise.all([hub.member('ada'), hub.member('late', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const general = a.frames.find((frame) => frame.type === 'ready')!.rooms[0];
  const seen = await RawClient.ready(t, hub.url, late.token);
  const seq = seen.frames.find((frame) => frame.type === 'ready')!.rooms[0].last_seq as number;
  // Seen online first: a connection that comes and goes within one store read is never shown at all.
  await a.waitFor((frame) => frame.type === 'presence' && frame.member === 'late' && frame.status === 'online');
  seen.close();
  await a.waitFor((frame) => frame.type === 'presence' && frame.member === 'late' && frame.status === 'offline');

  const id = (await a.request('send', { room: 'general', content: '@late when you are back, look at this' })).message
    .id;
  await a.waitFor((frame) => frame.type === 'notice' && frame.message === id && frame.code === 'agent_offline');
  const back = await RawClient.ready(t, hub.url, late.token, { [general.id]: seq });
  await back.waitFor((frame) => frame.type === 'event' && frame.data?.id === id);
  await a.waitFor((frame) => frame.type === 'receipt' && frame.member === 'late' && frame.state === 'delivered');
});

test('a disabled agent is named at once, and a message that addresses nobody keeps no receipt', async (t) => {
  const hub = await startHub(t);
  const [ada] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('off', 'agent')]);
  assert.equal((await hub.api(hub.adminToken, 'PATCH', `/api/v1/members/off`, { disabled: true })).status, 200);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const sent = await a.request('send', { room: 'general', content: 'hello @off' });
  assert.deepEqual(sent.notices?.[0]?.code, 'agent_disabled');
  assert.match(sent.notices![0]!.text, /@off is disabled/);

  const plain = (await a.request('send', { room: 'general', content: 'just chatting' })).message;
  assert.deepEqual((await a.request('message.receipts', { message: plain.id })).receipts, []);
  const bobs = (await a.request('send', { room: 'general', content: 'ping @bob' })).message;
  assert.deepEqual(
    (await a.request('message.receipts', { message: bobs.id })).receipts.map((receipt) => [
      receipt.member,
      receipt.kind,
    ]),
    [['bob', 'person']],
    'people are tracked too',
  );
});

test('receipts outlive a restart, and a history read counts as delivered', async (t) => {
  const first = await startHub(t);
  const [ada, bob] = await Promise.all([first.member('ada'), first.member('bob')]);
  const a = await RawClient.ready(t, first.url, ada.token);
  const dm = (await a.request('room.direct', { members: ['bob'] })).room;
  const id = (await a.request('send', { room: dm.id, content: 'are you there?' })).message.id;
  a.close();
  await first.close();

  const again = await startHub(t, { dir: first.dir, adminToken: first.adminToken });
  const b = await RawClient.ready(t, again.url, bob.token);
  const page = await b.request('history', { room: dm.id });
  assert.ok(page.messages.some((message) => message.id === id));
  await eventually(async () => {
    const receipts = (await again.api(ada.token, 'GET', `/api/v1/messages/${id}/receipts`)).body.receipts;
    assert.deepEqual(
      receipts.map((receipt: any) => [receipt.member, receipt.state]),
      [['bob', 'delivered']],
    );
  });
  // In a direct room any message of the partner answers what came before it.
  await b.request('send', { room: dm.id, content: 'yes' });
  await eventually(async () => {
    const receipts = (await again.api(ada.token, 'GET', `/api/v1/messages/${id}/receipts`)).body.receipts;
    assert.equal(receipts[0].state, 'acted');
  });
});

test('receipt frames go to the sender and to connections that asked for the receipts, not to the whole room', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, cy, bot] = await Promise.all([
    hub.member('ada'),
    hub.member('bob'),
    hub.member('cy'),
    hub.member('bot', 'agent'),
  ]);
  const [a, b, c] = await Promise.all([ada, bob, cy].map((member) => RawClient.ready(t, hub.url, member.token)));
  const sent = (await a.request('send', { room: 'general', content: '@bot what changed?' })).message;
  assert.deepEqual((await b.request('message.receipts', { message: sent.id })).receipts[0]?.state, 'stored');
  const agent = await RawClient.ready(t, hub.url, bot.token, { [sent.room]: sent.seq - 1 });
  await agent.waitFor((frame) => frame.type === 'event' && frame.data?.id === sent.id);
  await a.waitFor((frame) => frame.type === 'receipt' && frame.state === 'delivered');
  await b.waitFor((frame) => frame.type === 'receipt' && frame.state === 'delivered');
  await agent.request('send', { room: 'general', content: '@ada the build script' });
  await b.waitFor((frame) => frame.type === 'receipt' && frame.state === 'acted');
  await agent.waitFor((frame) => frame.type === 'receipt' && frame.member === 'ada');
  await c.request('ping');
  assert.equal(c.frames.filter((frame) => frame.type === 'receipt').length, 0, 'cy did not ask');
  assert.equal(
    agent.frames.filter((frame) => frame.type === 'receipt' && frame.message === sent.id).length,
    0,
    'nor did the agent (it hears of its own message to ada, which is its own to follow)',
  );
});

test('a sender with nothing open is skipped until a new message addresses them, and then acts again', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const [a, b] = await Promise.all([ada, bob].map((member) => RawClient.ready(t, hub.url, member.token)));
  // bob has nothing open: he is remembered as settled after this message.
  await b.request('send', { room: 'general', content: '@ada hello' });
  await b.request('send', { room: 'general', content: '@ada still there?' });
  // ada now addresses bob: he is unsettled, and his next message addressing her acts on hers.
  const asked = (await a.request('send', { room: 'general', content: '@bob yes, what is it?' })).message;
  await b.request('send', { room: 'general', content: '@ada the deploy' });
  await a.waitFor((frame) => frame.type === 'receipt' && frame.message === asked.id && frame.state === 'acted');
});
