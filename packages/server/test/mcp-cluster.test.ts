/**
 * MCP sessions on any instance: a session's state lives in Redis, so its requests may land on any
 * instance, with no sticky routing, and its waits and notifications keep working when the instance
 * it began on is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  eventually,
  POSTGRES_URL,
  RawClient,
  REDIS_URL,
  serviceSkip,
  startCluster,
  toolJson,
  type Instance,
} from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

/**
 * An MCP client whose every HTTP request goes where `route` says, as a load balancer without sticky
 * sessions would send it; `served` counts the requests each instance got, by method.
 */
async function routedClient(token: string, first: Instance, route: (method: string) => Instance) {
  const served: string[] = [];
  const transport = new StreamableHTTPClientTransport(new URL(`${first.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    fetch: (input, init) => {
      const method = init?.method ?? 'GET';
      const target = route(method);
      served.push(`${method} ${target.name}`);
      return fetch(String(input).replace(first.url, target.url), init);
    },
  });
  const client = new Client({ name: 'routed-agent', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, served };
}

test(
  'an MCP session answers on any instance: tools, subscriptions, waits and notifications, and outlives the instance it began on',
  { skip, timeout: 90_000 },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [Instance, Instance];
    const [ada, coder] = await Promise.all([cluster.member('ada'), cluster.member('coder', 'agent')]);
    const person = await RawClient.ready(t, a.url, ada);
    const general = person.frames.find((frame) => frame.type === 'ready')!.rooms[0].id as string;

    // Requests alternate between the instances; the notification stream (GET) starts on A.
    let next = 0;
    let onlyB = false;
    const { client, transport, served } = await routedClient(coder, a, (method) =>
      onlyB ? b : method === 'GET' ? a : next++ % 2 === 0 ? a : b,
    );
    t.after(() => client.close());
    const updates: string[] = [];
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
      updates.push(notification.params.uri);
    });

    for (let i = 0; i < 4; i++) {
      assert.equal(toolJson(await client.callTool({ name: 'whoami', arguments: {} })).handle, 'coder');
    }
    assert.ok(served.includes('POST A') && served.includes('POST B'), `both instances answered: ${served.join(', ')}`);
    await eventually(() => assert.ok(served.includes('GET A'), 'the notification stream opened on A'));

    // Subscribed through both instances; told on A's stream.
    await client.subscribeResource({ uri: 'roundtable://inbox' });
    await client.subscribeResource({ uri: 'roundtable://rooms/general' });
    await person.request('send', { room: general, content: 'chatter' });
    await eventually(() => assert.deepEqual(updates, ['roundtable://rooms/general']), 10_000);

    const waited = client.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await person.request('send', { room: general, content: '@coder first' });
    assert.deepEqual(
      toolJson(await waited).messages.map((message: { content: string }) => message.content),
      ['@coder first'],
      'a wait on either instance hears of a mention sent on A',
    );
    await eventually(() => assert.ok(updates.includes('roundtable://inbox')), 10_000);

    // A stops, as in a rolling restart: the session stays, and the client's stream moves to B.
    onlyB = true;
    await a.kill('SIGTERM');
    await eventually(() => assert.ok(served.includes('GET B'), 'the stream opened again, on B'), 15_000);
    assert.equal(toolJson(await client.callTool({ name: 'whoami', arguments: {} })).handle, 'coder');
    const personOnB = await RawClient.ready(t, b.url, ada);
    updates.length = 0;
    const waiting = client.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 20 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await personOnB.request('send', { room: general, content: '@coder second' });
    assert.deepEqual(
      toolJson(await waiting).messages.map((message: { content: string }) => message.content),
      ['@coder second'],
    );
    await eventually(
      () =>
        assert.deepEqual(
          [...new Set(updates)].sort(),
          ['roundtable://inbox', 'roundtable://rooms/general'],
          'B’s stream is told for the subscriptions made through A and B',
        ),
      10_000,
    );

    // Ended on B: the session is gone everywhere.
    const id = transport.sessionId!;
    await transport.terminateSession();
    const after = await fetch(`${b.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${coder}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    assert.equal(after.status, 404);
  },
);

test('an MCP session belongs to its token on every instance, and is unknown to another one', { skip }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances as [Instance, Instance];
  const [coder, other] = await Promise.all([cluster.member('coder', 'agent'), cluster.member('other', 'agent')]);
  const { client, transport } = await routedClient(coder, a, () => a);
  t.after(() => client.close());
  const ask = (token: string) =>
    fetch(`${b.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
  const theirs = await ask(other);
  assert.equal(theirs.status, 404, 'another token does not reach the session on B');
  await theirs.text();
  const mine = await ask(coder);
  assert.equal(mine.status, 200, 'its own token does');
  assert.match(await mine.text(), /whoami/);
});
