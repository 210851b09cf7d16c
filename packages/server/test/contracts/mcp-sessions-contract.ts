/** The MCP session store's contract, run against the in-process store and the Redis one. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { eventually } from '@roundtable/testkit';
import type { McpSessionRecord, McpSessionStore } from '../../src/transport/mcp-sessions.js';

/** Two stores over the same shared state (the same object for the in-process one), closed on `t`. */
export type SessionStoresFactory = (t: TestContext) => Promise<{ first: McpSessionStore; second: McpSessionStore }>;

const HOUR = 3_600_000;

function record(memberId: string, createdAt: number, tokenId: string | null = 'tok_1'): McpSessionRecord {
  return { id: `mcp_${randomBytes(8).toString('hex')}`, memberId, tokenId, protocolVersion: '2025-06-18', createdAt };
}

export function mcpSessionsContract(name: string, makeStores: SessionStoresFactory): void {
  describe(`${name} passes the MCP session store contract`, () => {
    test('a session opened on one instance is read on another with its record and no subscription', async (t) => {
      const { first, second } = await makeStores(t);
      const opened = record(`m-${randomBytes(4).toString('hex')}`, 1_000, null);
      assert.deepEqual(await first.open(opened, HOUR, 16), []);
      const read = await second.get(opened.id);
      assert.deepEqual(read?.record, opened, 'a token-less record keeps its null token');
      assert.equal(read?.subscriptions.size, 0);
      assert.equal(await second.get('mcp_unknown'), undefined);
    });

    test('subscriptions are shared, capped, and dropped by either URI', async (t) => {
      const { first, second } = await makeStores(t);
      const opened = record(`m-${randomBytes(4).toString('hex')}`, 1_000);
      await first.open(opened, HOUR, 16);
      assert.equal(await first.subscribe(opened.id, 'roundtable://inbox', 'roundtable://inbox', 2), 'kept');
      assert.equal(await second.subscribe(opened.id, 'roundtable://rooms/r1', 'roundtable://rooms/general', 2), 'kept');
      assert.equal(
        await first.subscribe(opened.id, 'roundtable://rooms/r2', 'roundtable://rooms/r2', 2),
        'full',
        'a third is past the limit of 2',
      );
      assert.equal(
        await first.subscribe(opened.id, 'roundtable://inbox', 'roundtable://inbox', 2),
        'kept',
        'one already held may be made again at the limit',
      );
      assert.deepEqual(
        [...(await second.get(opened.id))!.subscriptions].sort(),
        [
          ['roundtable://inbox', 'roundtable://inbox'],
          ['roundtable://rooms/r1', 'roundtable://rooms/general'],
        ].sort(),
      );
      await second.unsubscribe(opened.id, 'roundtable://rooms/general');
      await first.unsubscribe(opened.id, 'roundtable://inbox');
      assert.equal((await first.get(opened.id))!.subscriptions.size, 0, 'by the URI given and by its own');
      assert.equal(await first.subscribe('mcp_gone', 'roundtable://inbox', 'roundtable://inbox', 2), 'gone');
    });

    test('past the member’s limit the oldest sessions end, and other members are left alone', async (t) => {
      const { first, second } = await makeStores(t);
      const member = `m-${randomBytes(4).toString('hex')}`;
      const other = record(`m-${randomBytes(4).toString('hex')}`, 500);
      await first.open(other, HOUR, 2);
      const sessions = [record(member, 1_000), record(member, 2_000), record(member, 3_000)];
      assert.deepEqual(await first.open(sessions[0]!, HOUR, 2), []);
      assert.deepEqual(await second.open(sessions[1]!, HOUR, 2), []);
      assert.deepEqual(await first.open(sessions[2]!, HOUR, 2), [sessions[0]!.id], 'the oldest one ended');
      assert.equal(await second.get(sessions[0]!.id), undefined);
      assert.ok(await second.get(sessions[1]!.id));
      assert.ok(await second.get(other.id), 'another member’s session stays');
    });

    test('a session ends when asked, or when idle past its time unless touched', async (t) => {
      const { first, second } = await makeStores(t);
      const member = `m-${randomBytes(4).toString('hex')}`;
      const ended = record(member, 1_000);
      await first.open(ended, HOUR, 16);
      await second.end(ended.id);
      assert.equal(await first.get(ended.id), undefined);
      assert.equal(await first.touch(ended.id, member, HOUR), false, 'an ended session is not brought back');

      const idle = record(member, 2_000);
      const kept = record(member, 3_000);
      await first.open(idle, 300, 16);
      await first.open(kept, 300, 16);
      assert.equal(await second.touch(kept.id, member, HOUR), true);
      await eventually(async () => assert.equal(await second.get(idle.id), undefined, 'idle past 300 ms'), 5_000);
      assert.ok(await first.get(kept.id), 'the touched one lives on');
    });

    test('a member whose session idled out opens new ones, and the limit counts only live ones', async (t) => {
      const { first, second } = await makeStores(t);
      const member = `m-${randomBytes(4).toString('hex')}`;
      const idle = record(member, 1_000);
      await first.open(idle, 100, 2);
      await eventually(async () => assert.equal(await first.get(idle.id), undefined), 5_000);
      const later = [record(member, 2_000), record(member, 3_000)];
      assert.deepEqual(await second.open(later[0]!, HOUR, 2), [], 'the idle one neither fails the open nor counts');
      assert.deepEqual(await first.open(later[1]!, HOUR, 2), []);
      assert.ok(await second.get(later[0]!.id));
      assert.ok(await second.get(later[1]!.id));
    });

    test('a new session is never the one ended, even when its clock says it is the oldest', async (t) => {
      const { first, second } = await makeStores(t);
      const member = `m-${randomBytes(4).toString('hex')}`;
      const older = record(member, 5_000);
      await first.open(older, HOUR, 1);
      const skewed = record(member, 1_000);
      assert.deepEqual(await second.open(skewed, HOUR, 1), [older.id]);
      assert.ok(await first.get(skewed.id), 'the new one lives');
    });
  });
}
