/** The Store contract for approval requests: decided once, only while pending and in time; expired; listed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApprovalRecord, MemberRecord, RoomRecord } from '../../../src/core/ports.js';
import type { Open, World } from './world.js';

function request(world: World, room: RoomRecord, agent: MemberRecord, id: string, expiresAt: string): ApprovalRecord {
  return {
    id,
    room_id: room.id,
    thread_id: null,
    message_id: `msg_${id}`,
    requester_id: agent.id,
    requester: agent.handle,
    action: 'delete_branch',
    details: { branch: 'main', nested: [1, { ok: true }] },
    reason: 'cleanup',
    deciders: ['bob'],
    status: 'pending',
    decided_by: null,
    note: '',
    created_at: world.now(),
    decided_at: null,
    expires_at: expiresAt,
  };
}

export function approvalsContract(open: Open): void {
  describe('approvals', () => {
    test('stores a request with its details and deciders as given, and decides it once', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const codex = await world.member('codex', 'agent');
      const room = await world.room('ops', [ada, codex]);
      const far = '2099-01-01T00:00:00.000Z';
      const stored = request(world, room, codex, 'apv_1', far);
      await world.store.insertApproval(stored);
      assert.deepEqual(await world.store.approvalById('apv_1'), stored);
      assert.equal(await world.store.approvalById('apv_nope'), undefined);

      const at = world.now();
      const decided = await world.store.decideApproval('apv_1', {
        status: 'approved',
        decided_by: 'ada',
        note: 'go',
        at,
      });
      assert.deepEqual(decided, { ...stored, status: 'approved', decided_by: 'ada', note: 'go', decided_at: at });
      const again = await world.store.decideApproval('apv_1', {
        status: 'denied',
        decided_by: 'bob',
        note: '',
        at: world.now(),
      });
      assert.equal(again, undefined, 'a decided request is not decided again');
      assert.equal((await world.store.approvalById('apv_1'))?.status, 'approved');
    });

    test('a request whose time is up cannot be decided, and expiring marks only those due', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const codex = await world.member('codex', 'agent');
      const room = await world.room('ops', [ada, codex]);
      const soon = world.now();
      await world.store.insertApproval(request(world, room, codex, 'apv_due', soon));
      await world.store.insertApproval(request(world, room, codex, 'apv_later', '2099-01-01T00:00:00.000Z'));
      assert.equal(await world.store.nextApprovalExpiry(), soon);
      const late = world.now();
      assert.equal(
        await world.store.decideApproval('apv_due', { status: 'approved', decided_by: 'ada', note: '', at: late }),
        undefined,
      );
      assert.deepEqual(await world.store.expireApprovals(late, 'apv_later'), [], 'not due: left alone');
      const expired = await world.store.expireApprovals(late);
      assert.deepEqual(
        expired.map((record) => [record.id, record.status, record.decided_at]),
        [['apv_due', 'expired', late]],
      );
      assert.deepEqual(await world.store.expireApprovals(world.now()), [], 'expired once');
      assert.equal(await world.store.nextApprovalExpiry(), '2099-01-01T00:00:00.000Z');
    });

    test('lists by status, in the given rooms or by the given requesters, newest first', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const codex = await world.member('codex', 'agent');
      const ops = await world.room('ops', [ada, codex]);
      const lab = await world.room('lab', [codex]);
      const far = '2099-01-01T00:00:00.000Z';
      await world.store.insertApproval(request(world, ops, codex, 'apv_a', far));
      await world.store.insertApproval(request(world, lab, codex, 'apv_b', far));
      await world.store.insertApproval(request(world, ops, codex, 'apv_c', far));
      await world.store.decideApproval('apv_c', { status: 'denied', decided_by: 'ada', note: 'no', at: world.now() });
      const list = (filter: { roomIds?: string[]; requesterIds?: string[]; status?: 'pending' | 'denied' }) =>
        world.store
          .listApprovals({
            roomIds: filter.roomIds ?? [],
            requesterIds: filter.requesterIds ?? [],
            status: filter.status ?? 'pending',
            limit: 10,
          })
          .then((found) => found.map((record) => record.id));
      assert.deepEqual(await list({ roomIds: [ops.id] }), ['apv_a']);
      assert.deepEqual(await list({ roomIds: [ops.id], status: 'denied' }), ['apv_c']);
      assert.deepEqual(await list({ roomIds: [ops.id, lab.id] }), ['apv_b', 'apv_a']);
      assert.deepEqual(await list({ requesterIds: [codex.id] }), ['apv_b', 'apv_a']);
      assert.deepEqual(await list({}), []);
    });
  });
}
