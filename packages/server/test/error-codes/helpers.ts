/**
 * What the error-codes tests share: a hub with two people connected, REST and WebSocket calls, and
 * checks that record each code seen.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { TestContext } from 'node:test';
import { ERRORS, type ErrorCode } from '@roundtable/protocol';
import { RawClient, startHub, type Frame, type TestHub } from '@roundtable/testkit';

/** Codes seen on the wire by the error-codes tests; the last of them checks it covers the registry. */
export const observed = new Set<ErrorCode>();

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export async function call(
  hub: { url: string },
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(hub.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the assertions below report the raw text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

export function expectRestError(reply: Reply, code: ErrorCode): void {
  assert.equal(reply.body?.code, code, `expected ${code}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  assert.equal(reply.status, ERRORS[code].status, `${code} is HTTP ${ERRORS[code].status}`);
  assert.equal(typeof reply.body.message, 'string');
  observed.add(code);
}

export function expectErrorFrame(frame: Frame, code: ErrorCode): void {
  assert.equal(frame.type, 'error', `expected an error frame, got ${JSON.stringify(frame)}`);
  assert.equal(frame.code, code, `expected ${code}, got ${JSON.stringify(frame)}`);
  assert.equal(typeof frame.message, 'string');
  observed.add(code);
}

/** The first error frame that arrives after `send` runs (frames without an id cannot be matched otherwise). */
export async function errorAfter(client: RawClient, send: () => void): Promise<Frame> {
  const from = client.frames.length;
  send();
  return client.waitFor((frame) => frame.type === 'error' && client.frames.indexOf(frame) >= from);
}

/** The room's last seq, read by `token` (the admin by default, who is in #general only). */
export async function lastSeq(hub: TestHub, room = 'general', token = hub.adminToken): Promise<number> {
  const reply = await call(hub, token, 'GET', `/api/v1/rooms/${room}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.room.last_seq as number;
}

/** A message from `speaker` reaches `listener`: the hub still serves both connections. */
export async function assertStillServing(speaker: RawClient, listener: RawClient, room = 'general'): Promise<void> {
  const { message } = await speaker.request('send', { room, content: `still here ${randomUUID()}` });
  await listener.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.data.id === message.id);
}

/** A hub with two connected people: ada (who misbehaves) and bob (who watches). */
export async function scene(t: TestContext, env: Record<string, string> = {}) {
  const hub = await startHub(t, { env });
  const ada = await hub.member('ada', 'person', { password: 'ada-password-1' });
  const bob = await hub.member('bob', 'person', { password: 'bob-password-1' });
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  return { hub, ada, bob, a, b };
}
