/** The roundtable command end to end: every test spawns the real CLI process against a real hub on port 0. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { test, type TestContext } from 'node:test';
import { RawClient, startHub, tempDir, type TestHub, Cli, ok, run, type RunOptions } from '@roundtable/testkit';

/** The environment a member's shell would have after `eval "$(roundtable login …)"`. */
function as(hub: TestHub, token: string, extra: Record<string, string> = {}): RunOptions {
  return { env: { ROUNDTABLE_URL: hub.url, ROUNDTABLE_TOKEN: token, ...extra } };
}

async function json<T = any>(t: TestContext, args: string[], options: RunOptions): Promise<T> {
  return JSON.parse((await ok(t, [...args, '--json'], options)).stdout) as T;
}

/** A port nothing listens on: bound, then released. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

test('token create prints a working token once, token list shows it, and a revoked token fails with auth_failed', async (t) => {
  const hub = await startHub(t);
  const admin = as(hub, hub.adminToken);

  const created = await ok(t, ['token', 'create', '--name', 'laptop'], admin);
  const token = created.stdout.trim();
  assert.match(token, /^rt_[A-Za-z0-9_-]+$/, 'stdout holds the token alone');
  assert.match(created.stderr, /shown this once/);
  await ok(t, ['rooms'], as(hub, token));

  const { tokens } = await json<{ tokens: Array<{ id: string; name: string; revoked_at: string | null }> }>(
    t,
    ['token', 'list'],
    admin,
  );
  const laptop = tokens.find((entry) => entry.name === 'laptop');
  assert.ok(laptop, 'the new token is listed');
  assert.match((await ok(t, ['token', 'list'], admin)).stdout, new RegExp(`${laptop.id}\\s+laptop\\s+api`));

  const revoked = await ok(t, ['token', 'revoke', laptop.id], admin);
  assert.match(revoked.stdout, new RegExp(`revoked ${laptop.id}`));
  const refused = await run(t, ['rooms'], as(hub, token));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: auth_failed: /m);
  assert.equal(refused.stdout, '');
});

test('an admin creates a token for another member, and --all lists every member’s tokens by handle', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const forAda = (
    await ok(t, ['token', 'create', '--member', '@ada', '--name', 'ci'], as(hub, hub.adminToken))
  ).stdout.trim();
  const { member } = (await hub.api(forAda, 'GET', '/api/v1/me')).body;
  assert.equal(member.handle, 'ada');
  assert.match((await ok(t, ['token', 'list', '--all'], as(hub, hub.adminToken))).stdout, /@ada\s+ci\s+api/);

  const refused = await run(t, ['token', 'list', '--all'], as(hub, ada.token));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: admin_only: /m);
});

test('send posts from arguments and from stdin, and the messages are in the room history', async (t) => {
  const hub = await startHub(t);
  await hub.member('helper', 'agent');
  const admin = as(hub, hub.adminToken);

  const fromArgs = await ok(t, ['send', '#general', 'hello', 'from', 'the', 'shell'], admin);
  const [, firstId, firstSeq] = fromArgs.stdout.match(/^sent (msg_\S+) \(seq (\d+)\)$/m) ?? [];
  assert.ok(firstId && firstSeq, fromArgs.stdout);
  await ok(t, ['send', 'general', '-'], { ...admin, input: 'line one\nline two\n' });
  await ok(t, ['send', 'general', '--to', 'helper', 'please summarise'], admin);
  const thread = await json(t, ['send', 'general', '--thread', firstId, 'a reply'], admin);
  assert.equal(thread.message.thread_id, firstId);

  const { messages } = (await hub.api(hub.adminToken, 'GET', '/api/v1/rooms/general/messages')).body;
  const sent = messages.filter((message: { sender: string }) => message.sender === 'admin');
  assert.deepEqual(
    sent.map((message: { content: string }) => message.content),
    ['hello from the shell', 'line one\nline two', 'please summarise', 'a reply'],
  );
  assert.equal(sent[0].id, firstId);
  assert.equal(sent[0].seq, Number(firstSeq));
  assert.deepEqual(sent[2].targets, ['helper']);
});

test('rooms creates, lists, joins, leaves and invites', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const admin = as(hub, hub.adminToken);
  const asAda = as(hub, ada.token);
  const names = async (options: RunOptions, scope: string[] = []) =>
    (await json<{ rooms: Array<{ name: string }> }>(t, ['rooms', ...scope], options)).rooms.map((room) => room.name);

  assert.match(
    (await ok(t, ['rooms', 'create', 'design', '--topic', 'UI and UX'], admin)).stdout,
    /^created #design \(public, r_/,
  );
  await ok(t, ['rooms', 'create', 'secret', '--private'], admin);
  assert.match((await ok(t, ['rooms'], admin)).stdout, /^#design\s+public\s+0\s+0\s+UI and UX$/m);
  assert.deepEqual(await names(asAda), ['general']);
  assert.deepEqual(await names(asAda, ['--public']), ['design', 'general']);

  assert.match((await ok(t, ['rooms', 'join', 'design'], asAda)).stdout, /^joined #design$/m);
  assert.deepEqual(await names(asAda), ['design', 'general']);
  assert.match((await ok(t, ['rooms', 'leave', '#design'], asAda)).stdout, /^left #design$/m);
  assert.deepEqual(await names(asAda), ['general']);

  const hidden = await run(t, ['rooms', 'join', 'secret'], asAda);
  assert.equal(hidden.code, 1);
  assert.match(hidden.stderr, /^error: room_not_found: /m);
  assert.match((await ok(t, ['rooms', 'invite', 'secret', '@ada'], admin)).stdout, /^added @ada to #secret$/m);
  assert.deepEqual(await names(asAda), ['general', 'secret']);
});

test('members lists presence, creates an agent with a token shown once, and disables and enables it', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await RawClient.ready(t, hub.url, ada.token);
  const admin = as(hub, hub.adminToken);

  const created = await ok(
    t,
    [
      'members',
      'create',
      'helper',
      '--kind',
      'agent',
      '--description',
      'Answers questions',
      '--capabilities',
      'search, summarise',
    ],
    admin,
  );
  const token = created.stdout.trim();
  assert.match(token, /^rt_[A-Za-z0-9_-]+$/);
  assert.match(created.stderr, /Created @helper \(agent\).*shown this once/);

  const table = (await ok(t, ['members'], admin)).stdout;
  assert.match(table, /^HANDLE\s+KIND\s+ROLE\s+PRESENCE\s+DESCRIPTION$/m);
  assert.match(table, /^@ada\s+person\s+member\s+online$/m);
  assert.match(table, /^@helper\s+agent\s+member\s+offline\s+Answers questions$/m);
  const { members: agents } = await json(t, ['members', '--kind', 'agent'], admin);
  assert.deepEqual(
    agents.map((member: { handle: string; capabilities: string[] }) => [member.handle, member.capabilities]),
    [['helper', ['search', 'summarise']]],
  );
  await ok(t, ['rooms'], as(hub, token));

  assert.match((await ok(t, ['members', 'disable', 'helper'], admin)).stdout, /^disabled @helper$/m);
  assert.match((await ok(t, ['members'], admin)).stdout, /^@helper\s+agent\s+member\s+disabled/m);
  const refused = await run(t, ['rooms'], as(hub, token));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^error: member_disabled: /m);
  assert.match((await ok(t, ['members', 'enable', '@helper'], admin)).stdout, /^enabled @helper$/m);
  await ok(t, ['rooms'], as(hub, token));

  const notAdmin = await run(t, ['members', 'create', 'other', '--kind', 'agent'], as(hub, ada.token));
  assert.equal(notAdmin.code, 1);
  assert.match(notAdmin.stderr, /^error: admin_only: /m);
});

test('tail prints the recent history, then messages sent afterwards as they arrive, until it is stopped', async (t) => {
  const hub = await startHub(t);
  const helper = await hub.member('helper', 'agent');
  for (const content of ['first', 'second', 'third']) {
    await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/general/messages', { content });
  }

  const tail = new Cli(t, ['tail', 'general', '--limit', '2'], as(hub, hub.adminToken));
  await tail.waitFor('stdout', /@admin: third\n/);
  assert.match(tail.stdout, /^\d\d:\d\d:\d\d #general @admin: second\n\d\d:\d\d:\d\d #general @admin: third\n$/);

  await ok(t, ['send', 'general', 'live from an agent'], as(hub, helper.token));
  await tail.waitFor('stdout', /^\d\d:\d\d:\d\d #general @helper \[agent\]: live from an agent$/m);
  assert.doesNotMatch(tail.stdout, /first/);

  tail.child.kill('SIGTERM');
  const { code } = await tail.exited;
  assert.equal(code, 0);
});

test('tail shows an agent’s streamed reply growing on one line, finished by the final message', async (t) => {
  const hub = await startHub(t);
  const helper = await hub.member('helper', 'agent');
  // Tail is live once its history is printed, so a message from before marks that moment.
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/general/messages', { content: 'marker' });
  const tail = new Cli(t, ['tail', 'general', '--limit', '1'], as(hub, hub.adminToken));
  await tail.waitFor('stdout', /@admin: marker\n/);
  const agent = await RawClient.ready(t, hub.url, helper.token);

  const { message } = await agent.request('stream.start', { room: 'general' });
  agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: message.id, delta: 'Hello, ' }));
  await tail.waitFor('stdout', /@helper \[agent\]: Hello, $/);
  agent.sendRaw(JSON.stringify({ type: 'stream.delta', message: message.id, delta: 'world' }));
  await tail.waitFor('stdout', /@helper \[agent\]: Hello, world$/);
  await agent.request('stream.done', { message: message.id });
  await tail.waitFor('stdout', /@helper \[agent\]: Hello, world\n$/);
});

test('tail --json prints history and live events as one JSON object per line', async (t) => {
  const hub = await startHub(t);
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/general/messages', { content: 'old news' });
  const tail = new Cli(t, ['tail', 'general', '--json'], as(hub, hub.adminToken));
  await tail.waitFor('stdout', /old news.*\n/);
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/general/messages', { content: 'breaking' });
  await tail.waitFor('stdout', /breaking.*\n/);

  const lines = tail.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(
    lines.map((line) => [line.type, line.kind, (line.message ?? line.data).content]),
    [
      ['history', undefined, 'old news'],
      ['event', 'message.created', 'breaking'],
    ],
  );
});

test('tail refuses a room the member is not in, with a hint to join it', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await ok(t, ['rooms', 'create', 'design'], as(hub, hub.adminToken));
  const result = await run(t, ['tail', 'design'], as(hub, ada.token));
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: not_member: .*roundtable rooms join design/m);
  const missing = await run(t, ['tail', 'nowhere'], as(hub, ada.token));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: room_not_found: /m);
});

test('register and login print an export line whose token works, and a wrong password fails', async (t) => {
  const hub = await startHub(t);
  const withPassword = (password: string) => ({ env: { ROUNDTABLE_URL: hub.url, ROUNDTABLE_PASSWORD: password } });

  const registered = await ok(t, ['register', 'carol', '--display-name', 'Carol'], withPassword('correct horse'));
  const [, first] = registered.stdout.match(/^export ROUNDTABLE_TOKEN=(rt_\S+)\n$/) ?? [];
  assert.ok(first, registered.stdout);
  const me = await json(t, ['members', '--kind', 'person'], as(hub, first));
  assert.ok(
    me.members.some(
      (member: { handle: string; display_name: string }) =>
        member.handle === 'carol' && member.display_name === 'Carol',
    ),
  );

  const loggedIn = await ok(t, ['login', '@carol'], withPassword('correct horse'));
  const [, second] = loggedIn.stdout.match(/^export ROUNDTABLE_TOKEN=(rt_\S+)\n$/) ?? [];
  assert.ok(second && second !== first);
  await ok(t, ['rooms'], as(hub, second));

  const wrong = await run(t, ['login', 'carol'], withPassword('battery staple'));
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^error: bad_credentials: /m);
  const taken = await run(t, ['register', 'carol'], withPassword('correct horse'));
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /^error: handle_taken: /m);
  const noPassword = await run(t, ['login', 'carol'], { env: { ROUNDTABLE_URL: hub.url } });
  assert.equal(noPassword.code, 1);
  assert.match(noPassword.stderr, /ROUNDTABLE_PASSWORD/);
});

test('token create --admin --db recovers an admin token offline, and the restarted hub accepts it', async (t) => {
  const dir = tempDir(t);
  const first = await startHub(t, { dir });
  await first.member('ada');
  await first.close();

  const recovered = await ok(t, ['token', 'create', '--admin', '--db', first.dbPath]);
  const token = recovered.stdout.trim();
  assert.match(token, /^rt_[A-Za-z0-9_-]+$/);
  assert.match(recovered.stderr, /for @admin .*shown this once/);

  const hub = await startHub(t, { dir, adminToken: token });
  const { tokens } = await json(t, ['token', 'list'], as(hub, token));
  assert.ok(tokens.some((entry: { name: string }) => entry.name === 'recovered admin token'));
  await ok(t, ['members', 'create', 'helper', '--kind', 'agent'], as(hub, token));
  await hub.close();

  const notAdmin = await run(t, ['token', 'create', '--admin', '--db', first.dbPath, '--handle', 'ada']);
  assert.equal(notAdmin.code, 1);
  assert.match(notAdmin.stderr, /^error: admin_only: @ada is not an admin/m);
  const noFile = await run(t, ['token', 'create', '--admin', '--db', join(dir, 'typo.db')]);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /^error: no database at /m);
  const noDb = await run(t, ['token', 'create', '--admin']);
  assert.equal(noDb.code, 2);
  assert.match(noDb.stderr, /usage: roundtable token create/);
});

test('serve runs the hub with the first admin token in its banner, and exits 0 on SIGTERM', async (t) => {
  const dir = tempDir(t);
  const serve = new Cli(t, ['serve', '--port', '0', '--db', join(dir, 'hub.db')], { env: { LOG_LEVEL: 'silent' } });
  const [, url] = await serve.waitFor('stderr', /listening on (http:\/\/\S+)/);
  const [, token] = await serve.waitFor('stderr', /^ {2}(rt_[A-Za-z0-9_-]+)$/m);

  const health = await fetch(`${url}/health`);
  assert.equal(health.status, 200);
  assert.equal((await health.json()).status, 'ok');
  await ok(t, ['members'], { env: { ROUNDTABLE_URL: url!, ROUNDTABLE_TOKEN: token! } });

  serve.child.kill('SIGTERM');
  const { code } = await serve.exited;
  assert.equal(code, 0);
});

test('usage errors exit 2 with the command’s usage, and an unreachable hub exits 1', async (t) => {
  const missing = await run(t, ['send', 'general']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^error: missing MESSAGE\.\.\.\nusage: roundtable send ROOM MESSAGE\.\.\. \[options\]/);
  const unknownOption = await run(t, ['rooms', '--colour']);
  assert.equal(unknownOption.code, 2);
  assert.match(unknownOption.stderr, /usage: roundtable rooms/);
  const noSubcommand = await run(t, ['token']);
  assert.equal(noSubcommand.code, 2);
  assert.match(noSubcommand.stderr, /needs a subcommand: create, list, revoke/);
  const badNumber = await run(t, ['tail', 'general', '--limit', 'lots'], { env: { ROUNDTABLE_TOKEN: 'rt_x' } });
  assert.equal(badNumber.code, 2);

  const help = await ok(t, ['send', '--help']);
  assert.match(help.stdout, /^Usage: roundtable send ROOM MESSAGE\.\.\. \[options\]/);
  assert.match(help.stdout, /Examples:\n {2}roundtable send/);
  assert.match((await ok(t, ['--help'])).stdout, /tail\s+Print a room’s last messages/);

  const noToken = await run(t, ['rooms']);
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /^error: auth_required: .*ROUNDTABLE_TOKEN/m);
  const port = await freePort();
  const unreachable = await run(t, ['rooms', '--url', `http://127.0.0.1:${port}`, '--token', 'rt_x']);
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.stderr, /^error: cannot reach the hub at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/m);
});
