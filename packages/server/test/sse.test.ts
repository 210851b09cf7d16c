/**
 * Server-sent events at /api/v1/stream: live events, the token as a header or as ?token=,
 * resuming through Last-Event-ID without gaps or duplicates, and private rooms kept private.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test, type TestContext } from 'node:test';
import { eventually, startHub, type TestHub } from '@roundtable/testkit';

interface SseEvent {
  id: string | undefined;
  event: string;
  data: any;
}

/**
 * A plain SSE reader over node:http that records every event as an EventSource would see it.
 * (A fetch aborted mid-body leaves its socket open for undici's keep-alive time, which would hold
 * up the hub's shutdown; destroying an http request closes the connection at once, as a browser does.)
 */
class SseStream {
  readonly events: SseEvent[] = [];
  private buffer = '';

  private constructor(
    private readonly request: http.ClientRequest,
    readonly status: number,
  ) {}

  static async open(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<SseStream> {
    const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
    const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    const stream = new SseStream(request, response.statusCode ?? 0);
    t.after(() => stream.close());
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => stream.receive(chunk));
    response.on('error', () => undefined);
    assert.equal(stream.status, 200);
    await stream.waitFor((event) => event.event === 'ready');
    return stream;
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      this.parse(this.buffer.slice(0, end));
      this.buffer = this.buffer.slice(end + 2);
    }
  }

  private parse(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const at = line.indexOf(':');
      const field = at < 0 ? line : line.slice(0, at);
      const value = at < 0 ? '' : line.slice(at + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.events.push({ id, event, data: JSON.parse(data.join('\n')) });
  }

  async waitFor(predicate: (event: SseEvent) => boolean): Promise<SseEvent> {
    let found: SseEvent | undefined;
    await eventually(() => {
      found = this.events.find(predicate);
      assert.ok(found, `no matching SSE event; last: ${JSON.stringify(this.events.slice(-2))}`);
    });
    return found!;
  }

  /** The ids of the `message.created` events received, in order. */
  messageIds(): string[] {
    return this.events
      .filter((event) => event.event === 'event' && event.data.kind === 'message.created')
      .map((event) => event.data.data.id as string);
  }

  /** The last `id:` received, which an EventSource sends back as Last-Event-ID. */
  lastId(): string | undefined {
    return this.events.filter((event) => event.id !== undefined).at(-1)?.id;
  }

  close(): void {
    this.request.destroy();
  }
}

async function send(hub: TestHub, token: string, room: string, content: string): Promise<string> {
  const reply = await hub.api(token, 'POST', `/api/v1/rooms/${room}/messages`, { content });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  return reply.body.message.id as string;
}

const isMessage = (id: string) => (event: SseEvent) => event.event === 'event' && event.data.data?.id === id;

test('a stream opened with the token in a header receives each new message as an event with an id', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const anonymous = await fetch(`${hub.url}/api/v1/stream`);
  assert.equal(anonymous.status, 401);
  assert.equal((await anonymous.json()).code, 'auth_required');

  const stream = await SseStream.open(t, `${hub.url}/api/v1/stream`, { authorization: `Bearer ${ada.token}` });
  const first = await send(hub, bob.token, 'general', 'first');
  const second = await send(hub, bob.token, 'general', 'second');
  const event = await stream.waitFor(isMessage(second));
  assert.equal(event.data.type, 'event');
  assert.equal(event.data.kind, 'message.created');
  assert.equal(event.data.data.content, 'second');
  assert.equal(event.data.data.sender, 'bob');
  assert.deepEqual(stream.messageIds(), [first, second]);
  for (const received of stream.events.filter((e) => e.event === 'event')) {
    assert.match(
      received.id ?? '',
      new RegExp(`${received.data.room}:${received.data.seq}`),
      'the id carries the cursor',
    );
  }
});

test('a stream opened with ?token= receives the same events', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const stream = await SseStream.open(t, `${hub.url}/api/v1/stream?token=${ada.token}`);
  const id = await send(hub, bob.token, 'general', 'by query token');
  await stream.waitFor(isMessage(id));
  assert.deepEqual(stream.messageIds(), [id]);
  const wrong = await fetch(`${hub.url}/api/v1/stream?token=rt_not_a_real_token_at_all`);
  assert.equal(wrong.status, 401);
  assert.equal((await wrong.json()).code, 'auth_failed');
});

test('reconnecting with Last-Event-ID resumes with exactly the missed events, without duplicates', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const lab = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'lab', members: ['bob'] });
  assert.equal(lab.status, 201);
  const headers = { authorization: `Bearer ${ada.token}` };

  const before = await SseStream.open(t, `${hub.url}/api/v1/stream`, headers);
  const seen = [await send(hub, bob.token, 'general', 'seen 1'), await send(hub, bob.token, 'lab', 'seen 2')];
  await before.waitFor(isMessage(seen[1]!));
  const lastId = before.lastId();
  assert.ok(lastId, 'events carry ids');
  before.close();

  const missed = [
    await send(hub, bob.token, 'general', 'missed 1'),
    await send(hub, bob.token, 'lab', 'missed 2'),
    await send(hub, bob.token, 'general', 'missed 3'),
  ];
  const after = await SseStream.open(t, `${hub.url}/api/v1/stream`, { ...headers, 'last-event-id': lastId });
  const live = await send(hub, bob.token, 'lab', 'live');
  await after.waitFor(isMessage(live));

  assert.deepEqual(after.messageIds().sort(), [...missed, live].sort(), 'exactly the missed events, then the live one');
  const labSeqs = after.events
    .filter((e) => e.event === 'event' && e.data.room === lab.body.room.id)
    .map((e) => e.data.seq as number);
  assert.deepEqual(
    labSeqs,
    [...labSeqs].sort((x, y) => x - y),
    'each room in seq order',
  );
});

test('resuming twice in a row neither loses nor repeats events: caught-up events carry ids too', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const headers = { authorization: `Bearer ${ada.token}` };

  const first = await SseStream.open(t, `${hub.url}/api/v1/stream`, headers);
  const m1 = await send(hub, bob.token, 'general', 'one');
  await first.waitFor(isMessage(m1));
  let lastEventId = first.lastId()!;
  first.close();

  const m2 = await send(hub, bob.token, 'general', 'two');
  const m3 = await send(hub, bob.token, 'general', 'three');
  const second = await SseStream.open(t, `${hub.url}/api/v1/stream`, { ...headers, 'last-event-id': lastEventId });
  await second.waitFor(isMessage(m3));
  assert.deepEqual(second.messageIds(), [m2, m3]);
  const withoutId = second.events.filter((event) => event.event === 'event' && event.id === undefined);
  // Like an EventSource: the Last-Event-ID of the next attempt is the last id received, if any.
  lastEventId = second.lastId() ?? lastEventId;
  second.close();

  const m4 = await send(hub, bob.token, 'general', 'four');
  const third = await SseStream.open(t, `${hub.url}/api/v1/stream`, { ...headers, 'last-event-id': lastEventId });
  await third.waitFor(isMessage(m4));
  assert.deepEqual(
    { caughtUpWithoutId: withoutId.length, third: third.messageIds() },
    { caughtUpWithoutId: 0, third: [m4] },
  );
});

test('a member who is not in a private room never receives its events, even naming it in Last-Event-ID', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, carol] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('carol')]);
  const secret = await hub.api(ada.token, 'POST', '/api/v1/rooms', {
    name: 'secret',
    kind: 'private',
    members: ['bob'],
  });
  assert.equal(secret.status, 201);
  const secretId = secret.body.room.id as string;
  await send(hub, ada.token, secretId, 'secret words before');

  const outsider = await SseStream.open(t, `${hub.url}/api/v1/stream`, {
    authorization: `Bearer ${carol.token}`,
    'last-event-id': `${secretId}:0`,
  });
  const insider = await SseStream.open(t, `${hub.url}/api/v1/stream?token=${bob.token}`);
  const later = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'later', kind: 'private', members: ['bob'] });
  assert.equal(later.status, 201);
  const whispered = await send(hub, ada.token, secretId, 'secret words after');
  await send(hub, ada.token, later.body.room.id, 'more secret words');
  const marker = await send(hub, ada.token, 'general', 'public words');

  await insider.waitFor(isMessage(whispered));
  await insider.waitFor(isMessage(marker));
  await outsider.waitFor(isMessage(marker));
  const leaked = outsider.events.filter(
    (event) =>
      JSON.stringify(event.data).includes('secret') || [secretId, later.body.room.id].includes(event.data.room),
  );
  assert.deepEqual(leaked, [], 'nothing of a private room reached a non-member');
  assert.deepEqual(outsider.messageIds(), [marker]);
});
