import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CatchUp } from '../../src/core/catch-up.js';
import { addMember, addRoom, coreContext, messaging, refusal } from './kit.js';

async function catchUpKit(t: TestContext) {
  const kit = await coreContext(t, { memberRateLimit: { perSecond: 1000, burst: 1000 } });
  const wired = messaging(kit.ctx);
  const catchUp = new CatchUp(kit.ctx, wired.streams);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const codex = await addMember(kit.ctx, 'codex', 'agent');
  await addRoom(kit.ctx, 'lab', 'public', [ada, codex]);
  await addRoom(kit.ctx, 'secret', 'private', [ada, codex]);
  return { ...kit, ...wired, catchUp, ada, bob, codex };
}

const contents = (page: { messages: Array<{ content: string }> }) => page.messages.map((m) => m.content);

test('what a member missed is what came after its own last message', async (t) => {
  const { catchUp, messages, ada, codex } = await catchUpKit(t);
  await messages.send(ada, { room: 'lab', content: 'before' });
  const said = (await messages.send(codex, { room: 'lab', content: 'I said this' })).message;
  for (const content of ['one', 'two', 'three']) await messages.send(ada, { room: 'lab', content });
  const page = await catchUp.sinceLastSpoke(codex, { room: 'lab', limit: 50 });
  assert.deepEqual(page.last_spoke, { message: said.id, seq: said.seq, at: said.created_at });
  assert.deepEqual(contents(page), ['one', 'two', 'three']);
  assert.equal(page.has_more, false);
});

test('a long absence gives the newest messages and says earlier ones were left out', async (t) => {
  const { catchUp, messages, ada, codex } = await catchUpKit(t);
  await messages.send(codex, { room: 'lab', content: 'mine' });
  for (let i = 1; i <= 5; i++) await messages.send(ada, { room: 'lab', content: `m${i}` });
  const cut = await catchUp.sinceLastSpoke(codex, { room: 'lab', limit: 3 });
  assert.deepEqual(contents(cut), ['m3', 'm4', 'm5']);
  assert.equal(cut.has_more, true);
  const exact = await catchUp.sinceLastSpoke(codex, { room: 'lab', limit: 5 });
  assert.deepEqual(contents(exact), ['m1', 'm2', 'm3', 'm4', 'm5']);
  assert.equal(exact.has_more, false, 'a page that reaches back to the member’s own message left nothing out');
});

test('without a message of its own there, a member gets the newest messages', async (t) => {
  const { catchUp, messages, ada, codex } = await catchUpKit(t);
  for (let i = 1; i <= 3; i++) await messages.send(ada, { room: 'lab', content: `m${i}` });
  const page = await catchUp.sinceLastSpoke(codex, { room: 'lab', limit: 2 });
  assert.equal(page.last_spoke, null);
  assert.deepEqual(contents(page), ['m2', 'm3']);
  assert.equal(page.has_more, true);
});

test('in a thread, what came after the member’s last reply in it', async (t) => {
  const { catchUp, messages, ada, codex } = await catchUpKit(t);
  const root = (await messages.send(ada, { room: 'lab', content: 'root' })).message;
  await messages.send(codex, { room: 'lab', content: 'in the room' });
  await messages.send(codex, { room: 'lab', content: 'my reply', thread_id: root.id });
  await messages.send(ada, { room: 'lab', content: 'thread news', thread_id: root.id });
  await messages.send(ada, { room: 'lab', content: 'room news' });
  assert.deepEqual(contents(await catchUp.sinceLastSpoke(codex, { room: 'lab', thread_id: root.id, limit: 50 })), [
    'thread news',
  ]);
  assert.deepEqual(contents(await catchUp.sinceLastSpoke(codex, { room: 'lab', limit: 50 })), [
    'thread news',
    'room news',
  ]);
});

test('a non-member is refused, and a private room does not show itself', async (t) => {
  const { catchUp, bob } = await catchUpKit(t);
  assert.equal((await refusal(catchUp.sinceLastSpoke(bob, { room: 'lab', limit: 50 }))).code, 'not_member');
  assert.equal((await refusal(catchUp.sinceLastSpoke(bob, { room: 'secret', limit: 50 }))).code, 'room_not_found');
});
