/** The admins' usage report: tokens agents' finished messages report, per agent, room and UTC day, kept across restarts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, SkewClock, startHub } from '@roundtable/testkit';

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const usage = (input_tokens: number, output_tokens: number) => ({ usage: { input_tokens, output_tokens } });

test('the usage report sums what agents report per agent, room and day; admins only', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  const [ada, scout, echo] = await Promise.all([
    hub.member('ada'),
    hub.member('scout', 'agent'),
    hub.member('echo', 'agent'),
  ]);
  const person = await RawClient.ready(t, hub.url, ada.token);
  const lab = (await person.request('room.create', { name: 'lab', members: ['scout', 'echo'] })).room;
  const s = await RawClient.ready(t, hub.url, scout.token);
  const e = await RawClient.ready(t, hub.url, echo.token);

  const yesterday = clock.now();
  await s.request('send', { room: 'lab', content: 'first answer', metadata: usage(100, 20) });
  await s.request('send', { room: 'general', content: 'elsewhere', metadata: usage(5, 5) });
  clock.advance(DAY_MS);
  const today = clock.now();
  await s.request('send', { room: 'lab', content: 'second answer', metadata: usage(30, 3) });
  const stream = (await s.request('stream.start', { room: 'lab' })).message;
  await s.request('stream.done', { message: stream.id, content: 'streamed answer', metadata: usage(7, 70) });
  await e.request('send', { room: 'lab', content: 'my answer', metadata: usage(1, 2) });
  await e.request('send', { room: 'lab', content: 'nothing reported' });
  const refusedUsage = await e.requestError('send', {
    room: 'lab',
    content: 'bad',
    metadata: { usage: { input_tokens: 'many' } },
  });
  assert.equal(refusedUsage.code, 'invalid_request', 'usage in a shape the report cannot sum is refused');
  await person.request('send', { room: 'lab', content: 'people are not counted', metadata: usage(1_000, 1_000) });

  const report = await hub.api(hub.adminToken, 'GET', '/api/v1/agents/usage');
  assert.equal(report.status, 200);
  assert.deepEqual([report.body.since, report.body.until], [dayOf(today - 6 * DAY_MS), dayOf(today)]);
  const rows = report.body.usage.map((row: any) => [
    row.day,
    row.agent,
    row.room_name,
    row.input_tokens,
    row.output_tokens,
    row.total_tokens,
    row.messages,
  ]);
  const labRow = report.body.usage.find((row: any) => row.room_name === 'lab');
  assert.deepEqual([labRow.room, labRow.room_kind], [lab.id, 'public']);
  // The report orders a day's rows of one agent by room id, which is random: compare them by name.
  const byName = (rows: unknown[][]) => rows.sort((x, y) => String(x.slice(0, 3)).localeCompare(String(y.slice(0, 3))));
  assert.deepEqual(byName(rows), [
    [dayOf(yesterday), 'scout', 'general', 5, 5, 10, 1],
    [dayOf(yesterday), 'scout', 'lab', 100, 20, 120, 1],
    [dayOf(today), 'echo', 'lab', 1, 2, 3, 1],
    [dayOf(today), 'scout', 'lab', 37, 73, 110, 2],
  ]);

  const one = await hub.api(hub.adminToken, 'GET', `/api/v1/agents/usage?since=${dayOf(today)}&until=${dayOf(today)}`);
  assert.deepEqual(
    one.body.usage.map((row: any) => row.agent),
    ['echo', 'scout'],
  );

  const refused = await hub.api(ada.token, 'GET', '/api/v1/agents/usage');
  assert.deepEqual([refused.status, refused.body.code], [403, 'admin_only']);
  const agentRefused = await hub.api(scout.token, 'GET', '/api/v1/agents/usage');
  assert.deepEqual([agentRefused.status, agentRefused.body.code], [403, 'admin_only']);
  for (const query of [
    'since=2026-12-08&until=2026-12-01',
    'since=2020-01-01&until=2026-01-01',
    'since=yesterday',
    'until=2026-02-30',
    'since=2026-12-01T00:00:00Z',
  ]) {
    const bad = await hub.api(hub.adminToken, 'GET', `/api/v1/agents/usage?${query}`);
    assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_request'], query);
  }
});

test('usage is kept in the store: a restart still reports it', async (t) => {
  const first = await startHub(t);
  const scout = await first.member('scout', 'agent');
  const s = await RawClient.ready(t, first.url, scout.token);
  await s.request('send', { room: 'general', content: 'counted', metadata: usage(11, 22) });
  s.close();
  await first.close();

  const second = await startHub(t, { dir: first.dir, adminToken: first.adminToken });
  const report = await second.api(second.adminToken, 'GET', '/api/v1/agents/usage');
  assert.deepEqual(
    report.body.usage.map((row: any) => [row.agent, row.room_name, row.total_tokens]),
    [['scout', 'general', 33]],
  );
});
