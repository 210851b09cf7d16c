/** The hub's own limit on what an agent spends: tokens its replies report, per room, over a rolling hour. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, SkewClock, startHub } from '@roundtable/testkit';

test('an agent over its token budget in a room is refused there, the room is told once, and an hour frees it', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock, env: { AGENT_TOKENS_PER_ROOM_PER_HOUR: '50' } });
  const [ada, helper] = await Promise.all([hub.member('ada'), hub.member('helper', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const h = await RawClient.ready(t, hub.url, helper.token);
  await a.request('room.create', { name: 'ops', members: ['helper'] });

  const first = (await h.request('stream.start', { room: 'general' })).message;
  await h.request('stream.done', {
    message: first.id,
    content: 'A long answer.',
    metadata: { usage: { input_tokens: 40, output_tokens: 20 } },
  });
  const refused = await h.requestError('stream.start', { room: 'general' });
  assert.equal(refused.code, 'budget_exhausted');
  assert.ok(refused.retry_after_ms > 3_500_000 && refused.retry_after_ms <= 3_600_000, String(refused.retry_after_ms));
  assert.equal((await h.requestError('send', { room: 'general', content: 'plain send' })).code, 'budget_exhausted');
  const notice = await a.waitFor(
    (f) => f.type === 'event' && f.kind === 'message.created' && f.data.metadata?.notice === 'budget_exhausted',
  );
  assert.equal(notice.data.sender_kind, 'system');
  assert.match(notice.data.content, /@helper has used its token budget for this room for this hour \(50 tokens\)/);

  assert.equal((await h.request('send', { room: 'ops', content: 'other rooms are fine' })).duplicate, false);
  assert.equal((await a.request('send', { room: 'general', content: 'people are not limited' })).duplicate, false);
  const notices = (await a.request('history', { room: 'general' })).messages.filter(
    (m: any) => m.metadata.notice === 'budget_exhausted',
  );
  assert.equal(notices.length, 1, 'one notice, not one per refusal');

  clock.advance(3_600_001);
  assert.equal((await h.request('send', { room: 'general', content: 'back after the hour' })).duplicate, false);
});
