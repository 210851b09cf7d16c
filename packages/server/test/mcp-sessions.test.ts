/** Both MCP session stores: in-process, and Redis shared between two connections. */
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { REDIS_URL, serviceSkip } from '@roundtable/testkit';
import { systemClock } from '../src/core/ports.js';
import { LocalMcpSessions } from '../src/transport/mcp-sessions.js';
import { RedisMcpSessions } from '../src/transport/redis-mcp-sessions.js';
import { mcpSessionsContract } from './contracts/mcp-sessions-contract.js';

mcpSessionsContract('LocalMcpSessions', async (t) => {
  const sessions = new LocalMcpSessions(systemClock);
  t.after(() => sessions.close());
  return { first: sessions, second: sessions };
});

const skip = await serviceSkip('Redis', REDIS_URL);
if (skip) {
  test('RedisMcpSessions passes the MCP session store contract', { skip }, () => {});
} else {
  mcpSessionsContract('RedisMcpSessions', async (t) => {
    const prefix = `rt-test-${randomBytes(6).toString('hex')}`;
    const [first, second] = await Promise.all([
      RedisMcpSessions.open({ url: REDIS_URL, prefix }),
      RedisMcpSessions.open({ url: REDIS_URL, prefix }),
    ]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    return { first, second };
  });
}
