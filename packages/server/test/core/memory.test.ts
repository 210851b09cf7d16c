import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Memory } from '../../src/core/memory.js';
import { addMember, addRoom, coreContext, messaging, refusal } from './kit.js';

async function memoryKit(t: TestContext) {
  const kit = await coreContext(t);
  const { messages } = messaging(kit.ctx);
  const memory = new Memory(kit.ctx);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, scout]);
  const secret = await addRoom(kit.ctx, 'secret', 'private', [ada, scout]);
  const lounge = await addRoom(kit.ctx, 'lounge', 'public', [bob]);
  return { ...kit, messages, memory, ada, bob, scout, lab, secret, lounge };
}

test('a search finds messages of the rooms one is in, and never of a public room one has not joined', async (t) => {
  const { memory, messages, ada, bob, scout, lab, secret } = await memoryKit(t);
  await messages.send(ada, { room: 'lab', content: 'The deploy key rotates on Fridays' });
  await messages.send(ada, { room: 'secret', content: 'The deploy password is in the vault' });
  await messages.send(bob, { room: 'lounge', content: 'deploy party tonight' });
  await messages.send(ada, { room: 'lab', content: 'lunch?' });

  const found = await memory.searchMemory(scout, { query: 'Deploy!', limit: 10 });
  assert.deepEqual(new Set(found.messages.map((hit) => hit.message.room)), new Set([lab.id, secret.id]));
  assert.ok(found.messages.every((hit) => hit.score > 0));
  const inLab = await memory.searchMemory(scout, { query: 'deploy', room: 'lab', limit: 10 });
  assert.deepEqual(
    inLab.messages.map((hit) => hit.message.content),
    ['The deploy key rotates on Fridays'],
  );
  assert.equal(
    (await refusal(memory.searchMemory(scout, { query: 'deploy', room: 'lounge', limit: 10 }))).code,
    'not_member',
  );
  assert.deepEqual((await memory.searchMemory(scout, { query: '!!', limit: 10 })).messages, [], 'no words, no hits');
});

test('answering in a room, an agent recalls that room and the public ones, not its other private rooms', async (t) => {
  const { ctx, memory, messages, ada, scout } = await memoryKit(t);
  const other = await addRoom(ctx, 'other', 'private', [ada, scout]);
  await messages.send(ada, { room: 'lab', content: 'budget review on Monday' });
  await messages.send(ada, { room: 'secret', content: 'budget for the secret project' });
  await messages.send(ada, { room: other.id, content: 'budget of another team' });
  const forSecret = await memory.searchMemory(scout, { query: 'budget', for_room: 'secret', limit: 10 });
  assert.deepEqual(forSecret.messages.map((hit) => hit.message.content).sort(), [
    'budget for the secret project',
    'budget review on Monday',
  ]);
});

test('notes are one’s own: found by their author only, and a room’s notes only where that room is searched', async (t) => {
  const { memory, ada, scout } = await memoryKit(t);
  const general = await memory.saveNote(scout, { content: 'Ada prefers short answers' });
  const roomNote = await memory.saveNote(scout, {
    content: 'In secret, answers stay short and formal',
    room: 'secret',
  });
  assert.deepEqual([general.member, general.room, roomNote.room !== null], ['scout', null, true]);
  assert.equal((await refusal(memory.saveNote(scout, { content: 'x', room: 'lounge' }))).code, 'not_member');

  const everywhere = await memory.searchMemory(scout, { query: 'short answers', limit: 10 });
  assert.equal(everywhere.notes.length, 2);
  const inLab = await memory.searchMemory(scout, { query: 'short answers', room: 'lab', limit: 10 });
  assert.deepEqual(
    inLab.notes.map((hit) => hit.note.id),
    [general.id],
    'the secret room’s note stays out of the lab',
  );
  assert.deepEqual((await memory.searchMemory(ada, { query: 'short answers', limit: 10 })).notes, []);
});

test('someone else’s conversation with an agent never surfaces outside it', async (t) => {
  const { ctx, memory, messages, ada, bob, scout } = await memoryKit(t);
  const adas = await addRoom(ctx, null, 'conversation', [ada, scout]);
  const bobs = await addRoom(ctx, null, 'conversation', [bob, scout]);
  await messages.send(ada, { room: adas.id, content: 'my salary is confidential' });
  await messages.send(bob, { room: bobs.id, content: 'my salary negotiation went well' });
  const forAda = await memory.searchMemory(ada, { query: 'salary', limit: 10 });
  assert.deepEqual(
    forAda.messages.map((hit) => hit.message.room),
    [adas.id],
  );
  const agentWide = await memory.searchMemory(scout, { query: 'salary', limit: 10 });
  assert.deepEqual(agentWide.messages, [], 'the agent did not start either conversation');
  const inBobs = await memory.searchMemory(scout, { query: 'salary', for_room: bobs.id, limit: 10 });
  assert.deepEqual(
    inBobs.messages.map((hit) => hit.message.room),
    [bobs.id],
  );
});
