import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';

test('a private room never reaches a non-member through any endpoint', async (t) => {
  const hub = await startHub(t);
  const [ada, eve] = await Promise.all([hub.member('ada'), hub.member('eve')]);
  const spy = await hub.member('spybot', 'agent');
  await hub.api(hub.adminToken, 'PUT', '/api/v1/rooms/general/settings', { listen: 'all' });
  const owner = await RawClient.ready(t, hub.url, ada.token);
  const outsider = await RawClient.ready(t, hub.url, eve.token);
  const outsiderAgent = await RawClient.ready(t, hub.url, spy.token);
  await outsiderAgent.request('room.settings', { room: 'general', listen: 'all' });
  const sse = await fetch(`${hub.url}/api/v1/stream`, { headers: { authorization: `Bearer ${eve.token}` } });
  const sseReader = sse.body!.getReader();
  const sseText: string[] = [];
  void (async () => {
    for (;;) {
      const { value, done } = await sseReader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      sseText.push(new TextDecoder().decode(value));
    }
  })();
  t.after(() => sseReader.cancel().catch(() => {}));

  const secret = (await owner.request('room.create', { name: 'secret', kind: 'private', topic: 'classified' })).room;
  const message = (await owner.request('send', { room: secret.id, content: 'the secret is 42 @eve @all' })).message;
  const dm = (await owner.request('room.direct', { members: ['spybot'] })).room;
  const direct = (await owner.request('send', { room: dm.id, content: 'psst, also secret' })).message;
  // A public message afterwards: once it has arrived everywhere, the private ones would have too.
  const marker = (await owner.request('send', { room: 'general', content: '@all marker' })).message;
  await outsider.waitFor((f) => f.type === 'event' && f.data?.id === marker.id);
  await outsiderAgent.waitFor((f) => f.type === 'event' && f.data?.id === marker.id);

  const leaks: string[] = [];
  const check = (where: string, payload: unknown) => {
    const text = JSON.stringify(payload);
    if (
      text.includes('secret is 42') ||
      text.includes(secret.id) ||
      text.includes(message.id) ||
      text.includes(direct.id)
    ) {
      leaks.push(where);
    }
  };
  check('eve websocket frames', outsider.frames);
  // spybot is in the direct room, so only the private channel must stay hidden from it.
  check(
    'spybot websocket frames',
    outsiderAgent.frames.filter((f) => f.room !== dm.id),
  );

  const attempts: Array<[string, Promise<unknown>]> = [
    ['ws history', outsider.requestError('history', { room: secret.id })],
    ['ws sync', outsider.requestError('sync', { room: secret.id, after: 0 })],
    ['ws message.get', outsider.requestError('message.get', { message: message.id })],
    ['ws react', outsider.requestError('react', { message: message.id, emoji: 'x' })],
    ['ws edit', outsider.requestError('edit', { message: message.id, content: 'mine now' })],
    ['ws delete', outsider.requestError('delete', { message: message.id })],
    ['ws join', outsider.requestError('room.join', { room: secret.id })],
    ['ws members', outsider.requestError('room.members', { room: secret.id })],
    ['ws send', outsider.requestError('send', { room: secret.id, content: 'let me in' })],
    ['ws thread reply', outsider.requestError('send', { room: 'general', content: 'hi', thread_id: message.id })],
    ['ws cancel', outsider.requestError('stream.cancel', { message: message.id })],
    ['ws read', outsider.requestError('read', { room: secret.id, seq: 1 })],
    ['ws typing', outsider.requestError('typing', { room: secret.id })],
    ['ws rooms.list', outsider.request('rooms.list', {})],
    ['ws public rooms', outsider.request('rooms.list', { scope: 'public' })],
  ];
  for (const path of [
    `/api/v1/rooms/${secret.id}`,
    `/api/v1/rooms/secret`,
    `/api/v1/rooms/${secret.id}/messages`,
    `/api/v1/rooms/${secret.id}/events`,
    `/api/v1/rooms/${secret.id}/members`,
    `/api/v1/rooms/${dm.id}/messages`,
    `/api/v1/messages/${message.id}`,
    `/api/v1/rooms`,
    `/api/v1/rooms?scope=public`,
    `/messages`,
    `/messages?room=${secret.id}`,
    `/messages?agent=spybot`,
  ]) {
    attempts.push([`GET ${path}`, hub.api(eve.token, 'GET', path)]);
  }
  attempts.push([`PUT reaction`, hub.api(eve.token, 'PUT', `/api/v1/messages/${message.id}/reactions/x`)]);
  attempts.push([`PATCH message`, hub.api(eve.token, 'PATCH', `/api/v1/messages/${message.id}`, { content: 'x' })]);
  attempts.push([`POST message`, hub.api(eve.token, 'POST', `/api/v1/rooms/${secret.id}/messages`, { content: 'x' })]);
  attempts.push([`POST join`, hub.api(eve.token, 'POST', `/api/v1/rooms/${secret.id}/join`)]);
  attempts.push([`agent GET messages`, hub.api(spy.token, 'GET', `/messages?room=${secret.id}`)]);
  for (const [where, attempt] of attempts) {
    const result = (await attempt) as any;
    check(where, result);
    if (result?.type === 'error' || result?.body?.code) {
      const code = result.code ?? result.body.code;
      assert.ok(['room_not_found', 'message_not_found', 'thread_mismatch'].includes(code), `${where} answers ${code}`);
    }
  }
  check('sse stream', sseText.join(''));
  assert.deepEqual(leaks, [], 'nothing about the private room reached the outsider');

  const history = await owner.request('history', { room: secret.id });
  assert.deepEqual(
    history.messages.map((m: any) => m.content),
    ['the secret is 42 @eve @all'],
    'nothing was changed',
  );
  assert.deepEqual(history.messages[0].mentions, [], '@eve is not a member, so not a mention');
});
