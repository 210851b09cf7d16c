/**
 * Input the hub cannot take: broken JSON, unknown frames, schema breaks, frames and content over their
 * caps, nesting too deep.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode } from '@roundtable/protocol';
import { RawClient } from '@roundtable/testkit';
import { assertStillServing, call, errorAfter, expectErrorFrame, expectRestError, lastSeq, scene } from './helpers.js';

/** A text frame of exactly `bytes` bytes that would be a valid `send` if it were accepted. */
function sendFrameOfSize(bytes: number): string {
  const base = JSON.stringify({ type: 'send', room: 'general', content: '' }).length;
  return JSON.stringify({ type: 'send', room: 'general', content: 'z'.repeat(bytes - base) });
}

test('text that is not JSON, binary garbage and a broken JSON body get bad_json, store nothing and harm no one', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  expectErrorFrame(await errorAfter(a, () => a.sendRaw('{"type":"send","room":"general","content":')), 'bad_json');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw(Buffer.from('fffe00c37b2274797065223a', 'hex'))), 'bad_json');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', '{"content": "half'),
    'bad_json',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.equal(a.closeCode, undefined, 'an error does not close the connection');
  await assertStillServing(a, b);
  await assertStillServing(b, a);
});

test('a frame with a type the protocol does not define gets unknown_frame, answering its id', async (t) => {
  const { hub, a, b } = await scene(t);
  const before = await lastSeq(hub);

  const error = await a.requestError('message.send', { room: 'general', content: 'wrong frame name' });
  expectErrorFrame(error, 'unknown_frame');
  assert.equal(typeof error.id, 'string');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('{"content":"no type at all"}')), 'unknown_frame');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a frame or body that breaks its schema gets invalid_request with the issues by path', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  const missing = await a.requestError('send', { room: 'general' });
  expectErrorFrame(missing, 'invalid_request');
  assert.ok(
    (missing.details.issues as Array<{ path: string }>).some((issue) => issue.path === 'content'),
    JSON.stringify(missing.details),
  );
  expectErrorFrame(await a.requestError('send', { room: 'general', content: 42 }), 'invalid_request');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('[1, 2, 3]')), 'invalid_request');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('"just a string"')), 'invalid_request');

  const rest = await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 42 });
  expectRestError(rest, 'invalid_request');
  assert.ok(
    (rest.body.details.issues as Array<{ path: string }>).some((issue) => issue.path.endsWith('content')),
    JSON.stringify(rest.body.details),
  );
  expectRestError(await call(hub, ada.token, 'GET', '/api/v1/rooms/general/messages?limit=0'), 'invalid_request');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a frame or body over MAX_FRAME_BYTES gets frame_too_large and the connection stays open', async (t) => {
  const { hub, ada, a, b } = await scene(t, { MAX_FRAME_BYTES: '2048' });
  const before = await lastSeq(hub);

  expectErrorFrame(await errorAfter(a, () => a.sendRaw(sendFrameOfSize(2049))), 'frame_too_large');
  // Between the soft cap and the hard cap (max(4 x 2048, 1 MiB)) a frame is refused, not fatal.
  expectErrorFrame(await errorAfter(a, () => a.sendRaw(sendFrameOfSize(1 << 20))), 'frame_too_large');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'q'.repeat(3000) }),
    'frame_too_large',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.equal(a.closeCode, undefined);
  await assertStillServing(a, b);
});

test('a frame over the hard cap closes only its connection, with 1009, and stores nothing', async (t) => {
  const { hub, ada, a, b } = await scene(t, { MAX_FRAME_BYTES: '2048' });
  const before = await lastSeq(hub);

  a.sendRaw(sendFrameOfSize((1 << 20) + 1));
  assert.equal(await a.waitForClose(), CloseCode.MessageTooBig);

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  const again = await RawClient.ready(t, hub.url, ada.token);
  await assertStillServing(b, again);
  await assertStillServing(again, b);
});

test('content over 10,000 characters gets content_too_long over WebSocket, REST and /ws/{agent}', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);
  const tooLong = 'w'.repeat(10_001);

  expectErrorFrame(await a.requestError('send', { room: 'general', content: tooLong }), 'content_too_long');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: tooLong }),
    'content_too_long',
  );
  const simple = await RawClient.connect(t, hub.url, { token: ada.token, path: '/ws/ada' });
  await simple.waitFor((f) => f.type === 'ready');
  expectErrorFrame(
    await errorAfter(simple, () => simple.sendRaw(JSON.stringify({ message: tooLong }))),
    'content_too_long',
  );
  assert.equal(await lastSeq(hub), before, 'nothing was stored');

  const exact = await a.request('send', { room: 'general', content: 'w'.repeat(10_000) });
  assert.equal(exact.message.content.length, 10_000, 'exactly 10,000 characters is allowed');
  await assertStillServing(a, b);
});

test('a /send-message whose message is over 10,000 characters gets content_too_long, like every other way of sending', async (t) => {
  const { hub, ada } = await scene(t);
  const before = await lastSeq(hub);
  const reply = await call(hub, ada.token, 'POST', '/send-message', { sender: 'ada', message: 'w'.repeat(10_001) });
  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.deepEqual(
    { status: reply.status, code: reply.body?.code },
    { status: 413, code: 'content_too_long' },
    JSON.stringify(reply.body),
  );
});

test('message parts or metadata over their caps get frame_too_large', async (t) => {
  const { hub, ada, a } = await scene(t);
  const before = await lastSeq(hub);

  const metadata = { blob: 'm'.repeat(17_000) };
  expectErrorFrame(await a.requestError('send', { room: 'general', content: 'meta', metadata }), 'frame_too_large');
  const parts = [{ type: 'tool_call', id: 'c1', name: 'dump', status: 'ok', result: 'p'.repeat(101_000) }];
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'parts', parts }),
    'frame_too_large',
  );
  assert.equal(await lastSeq(hub), before, 'nothing was stored');
});

test('a frame nested too deep gets nesting_too_deep, and a page of another origin gets origin_not_allowed', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const deep = '['.repeat(100) + ']'.repeat(100);
  expectErrorFrame(
    await errorAfter(a, () => a.sendRaw(`{"type":"send","id":"d1","room":"general","content":${deep}}`)),
    'nesting_too_deep',
  );
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', `{"content":${deep}}`),
    'nesting_too_deep',
  );
  expectRestError(
    await call(hub, ada.token, 'GET', '/api/v1/me', undefined, { origin: 'https://evil.example' }),
    'origin_not_allowed',
  );
  await assertStillServing(a, b);
});
