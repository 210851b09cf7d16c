/** The Agents page's reading of the hub's answers, its form's definitions, and its snippets, without a browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentSnippets } from '../src/agent-snippets.js';
import { definitionOf, draftOf, readAgents, readCheck, readUsage } from '../src/agents-api.js';

test('agent rows of the wrong shape show what they can, and rows without a handle are left out', () => {
  const rows = readAgents({
    agents: [
      {
        handle: 'scout',
        presence: 'online',
        kind: 'external',
        capabilities: ['search', 7, null],
        tokens_this_hour: 42,
      },
      { handle: 'odd', presence: 'sleeping', kind: 'martian', tokens_this_hour: 'many', owner: { handle: 'x' } },
      { display_name: 'no handle' },
      'text',
    ],
  });
  assert.deepEqual(
    rows.map((row) => [row.handle, row.presence, row.kind, row.capabilities, row.tokensThisHour, row.owner]),
    [
      ['scout', 'online', 'external', ['search', '7'], 42, undefined],
      ['odd', 'offline', 'external', [], 0, undefined],
    ],
  );
  assert.deepEqual(readAgents({ agents: 'none' }), []);
  assert.deepEqual(readCheck({ check: { ok: false } }), { ok: false, error: 'The hub gave no reason.' });
});

test('an edited definition keeps what the form does not show, and a blank key keeps the stored one', () => {
  const stored = {
    handle: 'helper',
    display_name: 'Helper',
    model: { base_url: 'http://127.0.0.1:11434/v1', name: 'llama3.2', api_key: { value: '***' }, timeout_ms: 30_000 },
    memory: { enabled: false, items: 5 },
    tools: {
      mcp: [{ name: 'search', url: 'http://127.0.0.1:9000/mcp', headers: { authorization: '***' }, allow: ['*'] }],
    },
    budgets: { max_tokens_per_reply: 512, tokens_per_room_per_hour: 2000 },
  };
  const draft = draftOf('helper', stored);
  assert.equal(draft.hasStoredKey, true);
  assert.equal(draft.tools[0]!.target, 'http://127.0.0.1:9000/mcp');
  assert.equal(draft.tools[0]!.allow, '*');

  const body = definitionOf({ ...draft, model: 'llama3.3', tokensPerRoomPerHour: '3000' });
  assert.equal('handle' in body, false, 'the handle is the path');
  assert.deepEqual(body.model, { base_url: 'http://127.0.0.1:11434/v1', name: 'llama3.3', timeout_ms: 30_000 });
  assert.deepEqual(body.memory, { enabled: false, items: 5 });
  assert.deepEqual(body.budgets, { max_tokens_per_reply: 512, tokens_per_room_per_hour: 3000 });
  assert.deepEqual((body.tools as { mcp: unknown[] }).mcp, [
    { name: 'search', url: 'http://127.0.0.1:9000/mcp', headers: { authorization: '***' }, allow: ['*'] },
  ]);

  const keyed = definitionOf({ ...draft, apiKey: 'sk-new' });
  assert.deepEqual((keyed.model as { api_key: unknown }).api_key, { value: 'sk-new' });
  const command = definitionOf({
    ...draft,
    tools: [{ name: 'fs', target: 'npx fs-mcp /srv', allow: 'read, list', ask: '', deny: '', rest: {} }],
  });
  assert.deepEqual((command.tools as { mcp: unknown[] }).mcp, [
    { name: 'fs', command: 'npx', args: ['fs-mcp', '/srv'], allow: ['read', 'list'] },
  ]);
});

test('the snippets name the page’s hub and carry the token, quoted for a shell', () => {
  const snippets = agentSnippets('http://chat.example:8004', 'coder', 'rt_abc');
  const by = Object.fromEntries(snippets.map((snippet) => [snippet.id, snippet.code]));
  assert.deepEqual(JSON.parse(by['mcp-json']!), {
    mcpServers: {
      roundtable: { type: 'http', url: 'http://chat.example:8004/mcp', headers: { Authorization: 'Bearer rt_abc' } },
    },
  });
  assert.equal(
    by.claude,
    "claude mcp add --transport http roundtable 'http://chat.example:8004/mcp' --header 'Authorization: Bearer rt_abc'",
  );
  assert.match(by.sdk!, /new RoundtableClient\(\{ url: "http:\/\/chat.example:8004", token: "rt_abc" \}\)/);
  assert.match(by.curl!, /'http:\/\/chat.example:8004\/api\/v1\/rooms\/general\/messages'/);
  assert.match(agentSnippets("http://it's", 'x', 't')[1]!.code, /'http:\/\/it'\\''s\/mcp'/, 'a quote is escaped');
});

test('usage rows of the wrong shape show what they can; unnamed rooms say what they are', () => {
  const rows = readUsage({
    usage: [
      {
        day: '2026-12-06',
        agent: 'scout',
        room: 'r_1',
        room_name: 'lab',
        room_kind: 'public',
        input_tokens: 5,
        output_tokens: 7,
        total_tokens: 12,
      },
      { day: '2026-12-06', agent: 'scout', room: 'r_2', room_name: null, room_kind: 'conversation', input_tokens: 'x' },
      { day: '2026-12-06', agent: 'echo', room: 'r_3', room_kind: { odd: true }, output_tokens: 3 },
      { day: '2026-12-06', agent: 'echo', room: 'r_5', room_kind: 'constructor' },
      { agent: 'no day', room: 'r_4' },
      7,
    ],
  });
  assert.deepEqual(
    rows.map((row) => [row.agent, row.roomLabel, row.input, row.output, row.total]),
    [
      ['scout', '#lab', 5, 7, 12],
      ['scout', 'a conversation', 0, 0, 0],
      ['echo', 'a room', 0, 3, 3],
      ['echo', 'a room', 0, 0, 0],
    ],
  );
  assert.deepEqual(readUsage({ usage: 'none' }), []);
});

test('tool policies round-trip through the form: ask first and never run, the rest auto', () => {
  const draft = draftOf('guard', {
    model: { base_url: 'http://127.0.0.1:11434/v1', name: 'm' },
    tools: {
      mcp: [{ name: 'ops', command: 'ops-mcp', allow: ['*'], policy: { deploy: 'ask', drop: 'deny', ls: 'auto' } }],
    },
  });
  assert.equal(draft.tools[0]!.ask, 'deploy');
  assert.equal(draft.tools[0]!.deny, 'drop');
  const body = definitionOf({
    ...draft,
    tools: [{ ...draft.tools[0]!, ask: 'deploy, restart', deny: 'drop restart' }],
  });
  assert.deepEqual((body.tools as { mcp: Array<{ policy: unknown }> }).mcp[0]!.policy, {
    deploy: 'ask',
    restart: 'deny',
    drop: 'deny',
  });
});
