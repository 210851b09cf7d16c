import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateTaskParams, type FileReservation } from '@roundtable/protocol';
import { FileReservations, patternsOverlap } from '../../src/core/reservations.js';
import { Rooms } from '../../src/core/rooms.js';
import { TaskAccess } from '../../src/core/task-access.js';
import { addMember, addRoom, coreContext, messaging, noReceipts, refusal, taskBoard } from './kit.js';

async function reservationsKit(t: TestContext) {
  const kit = await coreContext(t);
  const reservations = new FileReservations(kit.ctx, new TaskAccess(kit.ctx));
  const ada = await addMember(kit.ctx, 'ada', 'agent');
  const bob = await addMember(kit.ctx, 'bob', 'agent');
  return { ...kit, reservations, ada, bob };
}

const conflictsOf = (error: { details: unknown }) => (error.details as { conflicts: FileReservation[] }).conflicts;

test('overlapping exclusive reservations conflict, naming who holds the files; shared ones only clash with exclusive', async (t) => {
  const { reservations, ada, bob } = await reservationsKit(t);
  const held = await reservations.reserveFiles(ada, ['src/**'], 'exclusive', 60_000, undefined);
  assert.deepEqual(
    held.map((r) => [r.pattern, r.mode, r.holder]),
    [['src/**', 'exclusive', 'ada']],
  );
  const refused = await refusal(
    reservations.reserveFiles(bob, ['docs/a.md', 'src/core/hub.ts'], 'exclusive', 60_000, undefined),
  );
  assert.equal(refused.code, 'reservation_conflict');
  assert.deepEqual(
    conflictsOf(refused).map((r) => [r.pattern, r.holder]),
    [['src/**', 'ada']],
  );
  assert.match(refused.message, /src\/\*\* \(exclusive, held by @ada\)/);
  assert.deepEqual(await reservations.listReservations(bob, 'bob'), [], 'a refused request stores nothing');
  assert.equal(
    (await refusal(reservations.reserveFiles(bob, ['src/index.ts'], 'shared', 60_000, undefined))).code,
    'reservation_conflict',
  );
  await reservations.reserveFiles(bob, ['docs/**'], 'shared', 60_000, undefined);
  await reservations.reserveFiles(ada, ['docs/guide.md'], 'shared', 60_000, undefined);
  assert.equal(
    (await refusal(reservations.reserveFiles(ada, ['docs/guide.md'], 'exclusive', 60_000, undefined))).code,
    'reservation_conflict',
    'an exclusive claim clashes with someone else’s shared one',
  );
  assert.equal(
    (await reservations.reserveFiles(ada, ['src/**'], 'exclusive', 60_000, undefined)).length,
    1,
    'one’s own claim is renewed',
  );
});

test('a reservation ends when it is released or when its time is up', async (t) => {
  const { reservations, clock, ada, bob } = await reservationsKit(t);
  await reservations.reserveFiles(ada, ['a.txt', 'b.txt'], 'exclusive', 10_000, undefined);
  assert.equal(await reservations.releaseFiles(ada, ['a.txt']), 1);
  await reservations.reserveFiles(bob, ['a.txt'], 'exclusive', 20_000, undefined);
  assert.equal(
    (await refusal(reservations.reserveFiles(bob, ['b.txt'], 'exclusive', 10_000, undefined))).code,
    'reservation_conflict',
  );
  clock.advance(10_000);
  await reservations.reserveFiles(bob, ['b.txt'], 'exclusive', 10_000, undefined);
  assert.deepEqual(
    (await reservations.listReservations(ada, undefined)).map((r) => [r.pattern, r.holder]).sort(),
    [
      ['a.txt', 'bob'],
      ['b.txt', 'bob'],
    ],
    'expired reservations are not listed',
  );
});

test('a task’s reservation blocks everyone, but names the task only to those who may see it', async (t) => {
  const { ctx, reservations, ada, bob } = await reservationsKit(t);
  const { messages } = messaging(ctx);
  const tasks = taskBoard(ctx, new Rooms(ctx, () => 'offline', noReceipts), messages);
  t.after(() => tasks.close());
  const carol = await addMember(ctx, 'carol');
  await addRoom(ctx, 'ops', 'private', [carol, ada]);
  const { task } = await tasks.create(
    carol,
    CreateTaskParams.parse({ title: 'migrate', room: 'ops', files: ['db/migrations/**'] }),
  );
  const claim = await tasks.claim(ada, undefined);
  assert.equal(claim?.task.id, task.id, 'claiming took the task’s files');

  const outsider = await refusal(
    reservations.reserveFiles(bob, ['db/migrations/001.sql'], 'shared', 60_000, undefined),
  );
  assert.deepEqual(
    conflictsOf(outsider).map((r) => [r.holder, r.task]),
    [['ada', null]],
    'bob cannot see the task, so it is not named',
  );
  assert.ok(!outsider.message.includes(task.id));
  const listed = await reservations.listReservations(carol, 'ada');
  assert.deepEqual(
    listed.map((r) => r.task),
    [task.id],
    'its creator sees which task holds the files',
  );
  assert.equal(
    (await refusal(reservations.reserveFiles(bob, ['db/other/**'], 'exclusive', 60_000, task.id))).code,
    'task_not_found',
  );
  assert.equal(
    (await refusal(reservations.reserveFiles(carol, ['db/other/**'], 'exclusive', 60_000, task.id))).code,
    'forbidden',
    'only the assignee reserves for a task',
  );
  await tasks.report(ada, task.id, claim!.lease.token, { summary: 'done', files_changed: ['db/migrations/002.sql'] });
  assert.deepEqual(await reservations.listReservations(carol, 'ada'), [], 'a finished task releases its files');
});

test('patterns overlap when they can name a common file', () => {
  const cases: Array<[string, string, boolean]> = [
    ['src/a.ts', 'src/a.ts', true],
    ['src/**', 'src/deep/b.ts', true],
    ['src/*.ts', 'src/a.ts', true],
    ['src/*.ts', 'docs/*.md', false],
    ['src/a.ts', 'src/b.ts', false],
    ['src/**/*.ts', 'src/core/**', true],
    ['.github/**', '.github/workflows/ci.yml', true],
  ];
  for (const [a, b, overlap] of cases) {
    assert.equal(patternsOverlap(a, b), overlap, `${a} and ${b}`);
    assert.equal(patternsOverlap(b, a), overlap, `${b} and ${a}`);
  }
});

test('files are reserved for a task only while its work is under way', async (t) => {
  const { ctx, reservations } = await reservationsKit(t);
  const { messages } = messaging(ctx);
  const tasks = taskBoard(ctx, new Rooms(ctx, () => 'offline', noReceipts), messages);
  t.after(() => tasks.close());
  const owner = await addMember(ctx, 'owner');
  const worker = await addMember(ctx, 'worker', 'agent');
  const { task } = await tasks.create(owner, CreateTaskParams.parse({ title: 'small' }));
  const claim = await tasks.claim(worker, undefined);
  await reservations.reserveFiles(worker, ['lib/**'], 'exclusive', 60_000, task.id);
  await tasks.report(worker, task.id, claim!.lease.token, { summary: 'done', files_changed: [] });
  assert.equal((await tasks.get(owner, task.id)).status, 'completed');
  const refused = await refusal(reservations.reserveFiles(worker, ['lib/**'], 'exclusive', 60_000, task.id));
  assert.equal(refused.code, 'forbidden', 'a completed task holds no files');
});
