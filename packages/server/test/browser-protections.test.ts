/**
 * What a browser is told and allowed: the web UI and every answer carry a content
 * security policy, framing and sniffing protections and a referrer policy; requests from other web
 * origins (a foreign page, or DNS rebinding onto a loopback hub) are refused on /mcp, the WebSocket,
 * SSE and the API, while tools without an Origin and the hub's own pages are served.
 */
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startHub } from '@roundtable/testkit';

/** A raw HTTP request, so that Host and Origin are exactly what a browser under attack would send. */
function raw(
  url: string,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname, port, path, method, headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }));
      response.resume();
    });
    request.on('error', reject);
    if (body) request.write(body);
    request.end();
  });
}

/** The status a WebSocket upgrade gets: 101 when it opens, else the refusal's HTTP status. */
function upgradeStatus(url: string, token: string, origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws`, {
      headers: { authorization: `Bearer ${token}`, ...(origin ? { origin } : {}) },
    });
    socket.once('open', () => {
      socket.terminate();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

test('the web UI is served with a strict content security policy and framing, sniffing and referrer protections', async (t) => {
  const hub = await startHub(t);
  const page = await fetch(`${hub.url}/`);
  assert.equal(page.status, 200);
  const csp = page.headers.get('content-security-policy') ?? '';
  for (const directive of [
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ]) {
    assert.ok(csp.includes(directive), `the policy has ${directive}: ${csp}`);
  }
  assert.match(csp, /connect-src 'self'[^;]*/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, 'no inline or evaluated script is allowed');
  assert.equal(page.headers.get('x-frame-options'), 'DENY');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'the page has no inline script the policy would block');

  const api = await fetch(`${hub.url}/api/v1/me`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(api.headers.get('x-frame-options'), 'DENY');
  const docs = await fetch(`${hub.url}/docs/`);
  assert.equal(docs.status, 200);
  const docsPolicy = docs.headers.get('content-security-policy') ?? '';
  assert.ok(docsPolicy.includes("frame-ancestors 'none'"), `the API docs are not framed either: ${docsPolicy}`);
  assert.doesNotMatch(docsPolicy, /upgrade-insecure-requests/, 'a plain-HTTP hub keeps its docs working');
});

test('requests from another web origin are refused with origin_not_allowed on /mcp, the WebSocket, SSE and the API', async (t) => {
  const hub = await startHub(t);
  const token = hub.adminToken;
  const evil = 'http://evil.example';
  const mcp = await raw(
    hub.url,
    '/mcp',
    {
      authorization: `Bearer ${token}`,
      origin: evil,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    'POST',
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'whoami' } }),
  );
  assert.equal(mcp.status, 403);
  assert.equal(JSON.parse(mcp.body).code, 'origin_not_allowed');
  assert.equal(await upgradeStatus(hub.url, token, evil), 403);
  const sse = await raw(hub.url, '/api/v1/stream', { authorization: `Bearer ${token}`, origin: evil });
  assert.equal(sse.status, 403);
  const api = await raw(hub.url, `/api/v1/me?token=${token}`, { origin: evil });
  assert.deepEqual([api.status, JSON.parse(api.body).code], [403, 'origin_not_allowed']);
  assert.equal((await raw(hub.url, '/api/v1/me', { authorization: `Bearer ${token}`, origin: 'null' })).status, 403);
  // The hub's own pages, and tools that send no Origin, are served.
  const own = new URL(hub.url).origin;
  assert.equal(await upgradeStatus(hub.url, token, own), 101);
  assert.equal(await upgradeStatus(hub.url, token, undefined), 101);
  assert.equal((await raw(hub.url, '/api/v1/me', { authorization: `Bearer ${token}`, origin: own })).status, 200);
});

test('a page reaching a loopback hub through DNS rebinding is refused, though its Origin matches its Host', async (t) => {
  const hub = await startHub(t);
  const { port } = new URL(hub.url);
  const rebound = await raw(hub.url, '/api/v1/me', {
    authorization: `Bearer ${hub.adminToken}`,
    host: `attacker.example:${port}`,
    origin: `http://attacker.example:${port}`,
  });
  assert.deepEqual([rebound.status, JSON.parse(rebound.body).code], [403, 'origin_not_allowed']);
  const localhost = await raw(hub.url, '/api/v1/me', {
    authorization: `Bearer ${hub.adminToken}`,
    host: `localhost:${port}`,
    origin: `http://localhost:${port}`,
  });
  assert.equal(localhost.status, 200, 'the same page served as localhost is the hub’s own');
});

test('ALLOWED_ORIGINS lets the pages of the origins it names call the hub', async (t) => {
  const hub = await startHub(t, { env: { ALLOWED_ORIGINS: 'https://chat.example.com, https://ops.example.com/' } });
  for (const origin of ['https://chat.example.com', 'https://ops.example.com']) {
    const reply = await raw(hub.url, '/api/v1/me', { authorization: `Bearer ${hub.adminToken}`, origin });
    assert.equal(reply.status, 200, origin);
  }
  assert.equal(await upgradeStatus(hub.url, hub.adminToken, 'https://chat.example.com'), 101);
  const other = await raw(hub.url, '/api/v1/me', {
    authorization: `Bearer ${hub.adminToken}`,
    origin: 'https://chat.example.com.evil.example',
  });
  assert.equal(other.status, 403);

  // Their pages may call the API: preflights are answered, and answers may be read.
  const preflight = await raw(
    hub.url,
    '/api/v1/rooms/general/messages',
    {
      origin: 'https://chat.example.com:443',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
    'OPTIONS',
  );
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], 'https://chat.example.com:443');
  assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  const read = await raw(hub.url, '/api/v1/me', {
    authorization: `Bearer ${hub.adminToken}`,
    origin: 'https://chat.example.com',
  });
  assert.equal(read.headers['access-control-allow-origin'], 'https://chat.example.com');
  const foreign = await raw(
    hub.url,
    '/api/v1/me',
    { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    'OPTIONS',
  );
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
});
