/**
 * The caches each instance keeps (room members, members, the denylist, rooms as sends need them) follow changes made on
 * another instance within one bus round trip: once any later message from that instance has arrived,
 * the change is in force. How long the stale window lasted is reported beside the bus's own trip.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import {
  eventually,
  POSTGRES_URL,
  RawClient,
  REDIS_URL,
  serviceSkip,
  startCluster,
  type Cluster,
} from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

/**
 * Makes a change through A, then sends a marker from A and waits until a client on B has it: one
 * bus trip after the change. Meanwhile `probe` asks B again and again whether the change is in force
 * there. Returns how long after A's answer B first showed it, and the marker's trip.
 */
async function afterOneTrip(
  t: TestContext,
  cluster: Cluster,
  change: () => Promise<void>,
  probe: () => Promise<boolean>,
): Promise<{ visibleMs: number; tripMs: number; inForceAfterTrip: boolean }> {
  const [a, b] = cluster.instances;
  const sender = await RawClient.ready(t, a!.url, cluster.adminToken);
  const watcher = await RawClient.ready(t, b!.url, cluster.adminToken);
  const general = watcher.frames.find((frame) => frame.type === 'ready')!.rooms[0].id as string;
  await change();
  const changedAt = performance.now();
  let visibleMs = -1;
  const probing = (async () => {
    while (visibleMs < 0 && performance.now() - changedAt < 5_000) {
      if (await probe()) visibleMs = performance.now() - changedAt;
    }
  })();
  const marker = `marker ${Math.random()}`;
  const sentAt = performance.now();
  await sender.request('send', { room: general, content: marker });
  await eventually(
    () =>
      assert.ok(
        watcher.messages(general).some((frame) => frame.data.content === marker),
        'the marker reached B',
      ),
    15_000,
  );
  const tripMs = performance.now() - sentAt;
  const inForceAfterTrip = await probe();
  await probing;
  return { visibleMs, tripMs, inForceAfterTrip };
}

test(
  'a change of membership, member, denylist or room on one instance is in force on another within one bus round trip',
  { skip, timeout: 60_000 },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [Cluster['instances'][0], Cluster['instances'][0]];
    const [bob, dave, erin] = await Promise.all([
      cluster.member('bob'),
      cluster.member('dave'),
      cluster.member('erin'),
    ]);
    const bobOnB = await RawClient.ready(t, b.url, bob);
    const erinOnB = await RawClient.ready(t, b.url, erin);
    const room = (await bobOnB.request('room.create', { name: 'ops', kind: 'public' })).room.id as string;
    // B caches the room's members, and bob as a member, by serving his posts.
    await bobOnB.request('send', { room, content: 'warm' });

    const membership = await afterOneTrip(
      t,
      cluster,
      async () => {
        assert.equal((await cluster.api(a, bob, 'POST', `/api/v1/rooms/${room}/leave`)).status, 200);
      },
      async () =>
        (await cluster.api(b, bob, 'POST', `/api/v1/rooms/${room}/messages`, { content: 'still here?' })).status ===
        403,
    );
    assert.ok(membership.inForceAfterTrip, 'bob, who left through A, may not post through B');

    assert.equal((await cluster.api(b, dave, 'GET', '/api/v1/me')).status, 200, 'B knows dave');
    const member = await afterOneTrip(
      t,
      cluster,
      async () => {
        assert.equal(
          (await cluster.api(a, cluster.adminToken, 'PATCH', '/api/v1/members/dave', { disabled: true })).status,
          200,
        );
      },
      async () => (await cluster.api(b, dave, 'GET', '/api/v1/me')).status === 403,
    );
    assert.ok(member.inForceAfterTrip, 'dave, disabled through A, is refused by B');

    await erinOnB.request('send', { room: 'general', content: 'before' });
    const denylist = await afterOneTrip(
      t,
      cluster,
      async () => {
        assert.equal((await cluster.api(a, cluster.adminToken, 'PUT', '/api/v1/denylist/erin', {})).status, 200);
      },
      async () =>
        (await cluster.api(b, erin, 'POST', '/api/v1/rooms/general/messages', { content: 'after?' })).status === 403,
    );
    assert.ok(denylist.inForceAfterTrip, 'erin, denylisted through A, may not post through B');

    // B keeps the room as a send needs it (here by its name); archived through A, it refuses posts.
    const admin = await RawClient.ready(t, a.url, cluster.adminToken);
    const ops2 = (await admin.request('room.create', { name: 'ops2', kind: 'public' })).room.id as string;
    assert.equal(
      (await cluster.api(b, cluster.adminToken, 'POST', `/api/v1/rooms/ops2/messages`, { content: 'warm' })).status,
      201,
    );
    const archive = await afterOneTrip(
      t,
      cluster,
      async () => {
        assert.equal((await cluster.api(a, cluster.adminToken, 'POST', `/api/v1/rooms/${ops2}/archive`)).status, 200);
      },
      async () =>
        (await cluster.api(b, cluster.adminToken, 'POST', `/api/v1/rooms/ops2/messages`, { content: 'after?' }))
          .status === 409,
    );
    assert.ok(archive.inForceAfterTrip, 'a room archived through A refuses posts through B');

    for (const [name, figures] of Object.entries({ membership, member, denylist, archive })) {
      t.diagnostic(
        `${name}: in force on B ${figures.visibleMs.toFixed(1)} ms after A answered; a message from A reached B in ${figures.tripMs.toFixed(1)} ms`,
      );
    }
  },
);
