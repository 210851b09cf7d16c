/** Accounts: registration, sign-in and its throttle, tokens (hashed, revocable, never logged), admin powers. */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import { RawClient, startHub, storeRows } from '@roundtable/testkit';

/** A sign-in from a given local address (127.0.0.x), so that per-address limits see different clients. */
function signIn(url: string, from: string, handle: string, password: string): Promise<{ status: number; body: any }> {
  const { hostname, port } = new URL(url);
  const body = JSON.stringify({ handle, password });
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        hostname,
        port,
        localAddress: from,
        path: '/api/v1/auth/login',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

test('people register and sign in with a password and get a session token', async (t) => {
  const hub = await startHub(t);
  const registered = await hub.api('', 'POST', '/api/v1/auth/register', {
    handle: 'ada',
    password: 'correct horse',
    display_name: 'Ada L.',
  });
  assert.equal(registered.status, 201);
  assert.match(registered.body.token, /^rt_/);
  assert.equal(registered.body.member.display_name, 'Ada L.');
  const wrong = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'wrong horse' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'bad_credentials');
  const unknown = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'nobody', password: 'wrong horse' });
  assert.equal(unknown.body.code, 'bad_credentials', 'an unknown handle looks the same as a wrong password');
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'correct horse' });
  assert.equal(login.status, 200);
  assert.notEqual(login.body.token, registered.body.token);
  const me = await hub.api(login.body.token, 'GET', '/api/v1/me');
  assert.equal(me.body.member.handle, 'ada');
  const rooms = await hub.api(login.body.token, 'GET', '/api/v1/rooms');
  assert.deepEqual(
    rooms.body.rooms.map((r: any) => r.name),
    ['general'],
    'new members join the default room',
  );
  const logout = await hub.api(login.body.token, 'POST', '/api/v1/auth/logout');
  assert.equal(logout.status, 204);
  assert.equal((await hub.api(login.body.token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
  assert.equal((await hub.api(registered.body.token, 'GET', '/api/v1/me')).status, 200, 'other sessions stay valid');
  const taken = await hub.api('', 'POST', '/api/v1/auth/register', { handle: 'ada', password: 'another one' });
  assert.equal(taken.body.code, 'handle_taken');
});

test('tokens are stored hashed, shown once, revocable, and never logged', async (t) => {
  const logLines: string[] = [];
  const hub = await startHub(t, { logLines });
  const ada = await hub.member('ada');
  const created = await hub.api(ada.token, 'POST', '/api/v1/tokens', { name: 'laptop' });
  assert.equal(created.status, 201);
  const token = created.body.token as string;
  const list = await hub.api(ada.token, 'GET', '/api/v1/tokens');
  assert.ok(list.body.tokens.some((entry: any) => entry.name === 'laptop'));
  assert.ok(!JSON.stringify(list.body).includes(token), 'listing never shows a token');

  const rows = await storeRows(hub, 'tokens');
  assert.ok(rows.length >= 3, 'the tokens table was read');
  assert.ok(!JSON.stringify(rows).includes(token), 'the database holds no token in clear');

  // A query token is the browsers' way in; it must not reach the logs either.
  const viaQuery = await RawClient.connect(t, hub.url, { query: `token=${token}` });
  await viaQuery.waitFor((f) => f.type === 'ready');
  await hub.api(token, 'GET', `/api/v1/me?token=${token}`);
  const revoked = await hub.api(ada.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(revoked.status, 200);
  assert.equal(await viaQuery.waitForClose(), 4401, 'live connections of a revoked token are closed');
  assert.equal((await hub.api(token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
  assert.ok(logLines.length > 0, 'the hub logged something');
  for (const secret of [token, ada.token, hub.adminToken]) {
    assert.ok(!logLines.join('\n').includes(secret), 'no log line contains a token');
  }
  const other = await hub.member('bob');
  const notYours = await hub.api(other.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(notYours.body.code, 'token_not_found');
});

test('a token hidden by percent-encoding in the query never reaches the log', async (t) => {
  const logLines: string[] = [];
  const hub = await startHub(t, { logLines });
  const ada = await hub.member('ada');
  const tail = ada.token.slice(3);
  for (const query of [
    `%74oken=rt%5F${tail}`,
    `token=%72%74%5F${tail}`,
    `%74%6F%6B%65%6E=${encodeURIComponent(ada.token)}`,
    `TOKEN=${ada.token}&token=${ada.token}`,
  ]) {
    const reply = await fetch(`${hub.url}/api/v1/me?${query}`);
    assert.equal(reply.status, 200, `${query} authenticates`);
  }
  await fetch(`${hub.url}/no/such/route/${ada.token}?password=hunter2`);
  // A malformed escape beside it, or an escaped newline before it, hides nothing either.
  await fetch(`${hub.url}/api/v1/me?q=%ZZ%20${ada.token}`);
  await fetch(`${hub.url}/no/such/%0A${ada.token}`);
  const log = logLines.join('\n');
  assert.ok(log.includes('/api/v1/me?'), 'the requests were logged');
  for (const secret of [ada.token, tail, tail.slice(0, 20), 'hunter2']) {
    assert.ok(!log.includes(secret), `no log line holds ${secret.slice(0, 8)}…`);
  }
});

test('guessing one account’s password from many addresses is slowed per account, and never keeps its owner out', async (t) => {
  // Time stands still while the guesses arrive, so the allowances do not refill however slowly this machine runs.
  let now = Date.now();
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const hub = await startHub(t, { clock });
  await hub.member('ada', 'person', { password: 'the-real-one' });
  const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6'];
  const replies = await Promise.all(
    Array.from({ length: 100 }, (_, index) => signIn(hub.url, attackers[index % 5]!, 'ada', `guess-${index}`)),
  );
  const evaluated = replies.filter((reply) => reply.body.code === 'bad_credentials').length;
  const slowed = replies.filter((reply) => reply.body.code === 'rate_limited');
  assert.equal(evaluated + slowed.length, 100, 'every guess was answered');
  assert.ok(evaluated <= 25, `at most five guesses per address are checked at once (${evaluated})`);
  assert.ok(
    slowed.every(
      (reply) => reply.status === 429 && reply.body.retry_after_ms > 0 && reply.body.retry_after_ms <= 30_000,
    ),
    'each refusal says how long to wait, never more than 30 s',
  );

  // Later, each attacking address may try again on its own count, but the account has had enough failures.
  clock.advance(5_000);
  for (const address of attackers) {
    const again = await signIn(hub.url, address, 'ada', 'one-more-guess');
    assert.equal(again.body.code, 'rate_limited', `${address} waits for the account`);
  }

  // The owner, from an address that has not failed, gets its try at once, attack or not.
  const owner = await signIn(hub.url, '127.0.0.9', 'ada', 'the-real-one');
  assert.equal(owner.status, 200, JSON.stringify(owner.body));
  // From there, a slip of the finger does not lock it out either: the address is known.
  assert.equal((await signIn(hub.url, '127.0.0.9', 'ada', 'typo')).body.code, 'bad_credentials');
  assert.equal((await signIn(hub.url, '127.0.0.9', 'ada', 'the-real-one')).status, 200);
  const other = await hub.member('bob', 'person', { password: 'bobs-password' });
  assert.equal(
    (await signIn(hub.url, '127.0.0.2', other.handle, 'bobs-password')).status,
    200,
    'other accounts are not slowed',
  );
});

test('admins create agents, disable members and keep a denylist', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const asAda = await hub.api(ada.token, 'POST', '/api/v1/members', { handle: 'bot', kind: 'agent' });
  assert.equal(asAda.body.code, 'admin_only');
  const bot = await hub.member('bot', 'agent', { description: 'reviews code', capabilities: ['review'] });
  const agents = await hub.api(ada.token, 'GET', '/agents');
  assert.deepEqual(
    agents.body.agents.map((a: any) => [a.handle, a.capabilities]),
    [['bot', ['review']]],
  );

  const botSocket = await RawClient.ready(t, hub.url, bot.token);
  const disabled = await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/bot', { disabled: true });
  assert.equal(disabled.body.member.disabled, true);
  assert.equal(await botSocket.waitForClose(), 4403);
  assert.equal((await hub.api(bot.token, 'GET', '/api/v1/me')).body.code, 'member_disabled');
  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/bot', { disabled: false });
  assert.equal((await hub.api(bot.token, 'GET', '/api/v1/me')).status, 200);

  const before = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'fine words' });
  const deny = await hub.api(hub.adminToken, 'PUT', '/api/v1/denylist/ada', { reason: 'spam' });
  assert.equal(deny.status, 200);
  const rewrite = await hub.api(ada.token, 'PATCH', `/api/v1/messages/${before.body.message.id}`, { content: 'spam' });
  assert.equal(rewrite.body.code, 'denylisted', 'a denylisted member cannot rewrite old messages either');
  const blocked = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'spam' });
  assert.equal(blocked.body.code, 'denylisted');
  const list = await hub.api(hub.adminToken, 'GET', '/api/v1/denylist');
  assert.deepEqual(
    list.body.denylist.map((entry: any) => entry.handle),
    ['ada'],
  );
  await hub.api(hub.adminToken, 'DELETE', '/api/v1/denylist/ada');
  const allowed = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'sorry' });
  assert.equal(allowed.status, 201);
  const history = await hub.api(ada.token, 'GET', '/api/v1/rooms/general/messages');
  assert.deepEqual(
    history.body.messages.map((m: any) => m.content),
    ['fine words', 'sorry'],
    'the denied message was not stored and the old one not rewritten',
  );
});
