/**
 * What every fuzz run shares: the seed and budget, a hub peopled with real rooms, messages, tasks and
 * conversations for the fuzzer to aim at, a heartbeat between two bystanders that must arrive whole,
 * repairs after the fuzzer locks itself out, and the findings with the inputs that caused them.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { CloseCode, ERRORS, isErrorCode } from '@roundtable/protocol';
import { RawClient, eventually, startHub, type TestHub } from '@roundtable/testkit';
import type { References } from './arbitraries.js';
import { excerpt } from './json-text.js';

export interface FuzzSettings {
  seed: number;
  /** Cases this run sends. */
  cases: number;
}

/** A fixed seed in CI, a fresh one otherwise (printed, so a failure replays with FUZZ_SEED). */
export function fuzzSettings(label: string, cases = 10_000): FuzzSettings {
  const given = process.env.FUZZ_SEED;
  const seed = given ? Number(given) : process.env.CI ? 14_2026 : Math.floor(Math.random() * 2 ** 31);
  const total = Number(process.env.FUZZ_CASES ?? cases);
  console.log(`${label}: ${total} cases, seed ${seed} (replay with FUZZ_SEED=${seed})`);
  return { seed, cases: total };
}

/**
 * Problems found, by kind, with the first example of each and the places (operations, sockets) it
 * showed at, so one run reports every class of failure rather than the first.
 */
export class Findings {
  private readonly seen = new Map<string, { count: number; example: string; places: Set<string> }>();

  add(problem: string, place: string, example: string): void {
    // FUZZ_VERBOSE=1 prints every occurrence, not only the first of each kind.
    if (process.env.FUZZ_VERBOSE) console.log(`${problem} at ${place}: ${example}`);
    const entry = this.seen.get(problem);
    if (!entry) this.seen.set(problem, { count: 1, example: `${place}: ${example}`, places: new Set([place]) });
    else {
      entry.count += 1;
      if (entry.places.size < 12) entry.places.add(place);
    }
  }

  get size(): number {
    return this.seen.size;
  }

  list(): string[] {
    return [...this.seen].map(
      ([problem, { count, example, places }]) =>
        `${problem} (×${count}) at ${[...places].join('; ')}\n    first: ${example}`,
    );
  }

  /** Fails with every kind found; the examples are printed first, the assertion names the kinds. */
  assertNone(label: string): void {
    for (const finding of this.list()) console.log(`  ${finding}`);
    assert.deepEqual([...this.seen.keys()], [], `${label}: the hub mishandled hostile input (examples above)`);
  }
}

/** Why an error body breaks the registry's promise, or undefined when it keeps it. */
export function errorBodyProblem(body: unknown): string | undefined {
  const code = (body as { code?: unknown } | undefined)?.code;
  if (!isErrorCode(code)) return `unregistered error code ${excerpt(JSON.stringify(code) ?? String(code), 80)}`;
  if (code === 'internal') return 'internal';
  return undefined;
}

/** Why an HTTP answer breaks it: 500s, and errors without a registered code. */
export function httpProblem(status: number, text: string): string | undefined {
  if (status < 400) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `HTTP ${status} with a body that is not JSON`;
  }
  const problem = errorBodyProblem(body);
  if (problem) return `HTTP ${status} ${problem}`;
  const code = (body as { code: keyof typeof ERRORS }).code;
  if (status === 500) return `HTTP 500 (${code})`;
  if (ERRORS[code].status !== status) return `HTTP ${status} for ${code}, whose status is ${ERRORS[code].status}`;
  return undefined;
}

const CLOSE_CODES = new Set<number>([...Object.values(CloseCode), 1009]);

export function closeProblem(code: number): string | undefined {
  return CLOSE_CODES.has(code) ? undefined : `closed with ${code}, not a CloseCode`;
}

export interface Actor {
  handle: string;
  kind: 'person' | 'agent';
  role: 'admin' | 'member';
  /** Replaced when the fuzzer revokes its own token. */
  token: string;
}

export interface FuzzScene {
  hub: TestHub;
  actors: Actor[];
  refs: References;
  /** The person's and the agent's direct room: a room the agent can never leave. */
  direct: string;
  /** Undoes what the fuzzer did to itself: disabled, denylisted, demoted, revoked, out of its rooms, rooms archived. */
  repair(): Promise<void>;
  /** A task of the person's whose chat they can open: after a repair replaced an archived room, one in the new room. */
  chatTask(): string;
}

/**
 * A hub where the fuzz actors (a person, an agent, an admin) share rooms owned by the first admin,
 * with a message, a thread reply, a reaction, a task, a note and a conversation in them, a group of
 * theirs and one of someone else's, plus a private room of someone else's whose ids are real but out of reach.
 */
export async function fuzzScene(t: TestContext): Promise<FuzzScene> {
  // Sign-up and sign-in hash a password (scrypt, tens of ms each): at the production limits for the
  // routes that need no token, most of the fuzzer's attempts are refused cheaply, as they would be.
  const hub = await startHub(t, { env: { RATE_ANONYMOUS_REQUESTS_PER_SEC: '5', RATE_ANONYMOUS_REQUESTS_BURST: '20' } });
  const admin = hub.adminToken;
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const reply = await hub.api(token, method, path, body);
    if (reply.status >= 400) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const [person, agent, root] = await Promise.all([
    hub.member('fz-person'),
    hub.member('fz-agent', 'agent', { capabilities: ['fuzzing'] }),
    hub.member('fz-admin', 'person', { role: 'admin' }),
    hub.member('fz-helper', 'agent'),
  ]);
  const actors: Actor[] = [
    { handle: person.handle, kind: 'person', role: 'member', token: person.token },
    { handle: agent.handle, kind: 'agent', role: 'member', token: agent.token },
    { handle: root.handle, kind: 'person', role: 'admin', token: root.token },
  ];
  const handles = actors.map((actor) => actor.handle);
  const rooms = [
    (await api(admin, 'POST', '/api/v1/rooms', { name: 'fz-pub', members: handles })).room,
    (await api(admin, 'POST', '/api/v1/rooms', { name: 'fz-priv', kind: 'private', members: handles })).room,
  ];
  const elsewhere = (await api(admin, 'POST', '/api/v1/rooms', { name: 'fz-elsewhere', kind: 'private' })).room;
  const direct = (await api(person.token, 'POST', '/api/v1/rooms/direct', { members: ['fz-agent'] })).room;
  const message = (await api(person.token, 'POST', '/api/v1/rooms/fz-pub/messages', { content: 'root @fz-agent' }))
    .message;
  const reply = (
    await api(agent.token, 'POST', '/api/v1/rooms/fz-pub/messages', { content: 'reply', thread_id: message.id })
  ).message;
  await api(person.token, 'PUT', `/api/v1/messages/${message.id}/reactions/fz`);
  const hidden = (await api(admin, 'POST', `/api/v1/rooms/${elsewhere.id}/messages`, { content: 'out of reach' }))
    .message;
  const task = (
    await api(person.token, 'POST', '/api/v1/tasks', { title: 'fuzz task', room: 'fz-pub', capabilities: ['fuzzing'] })
  ).task;
  const hiddenTask = (await api(admin, 'POST', '/api/v1/tasks', { title: 'hidden', room: elsewhere.id })).task;
  const conversation = (
    await api(person.token, 'POST', '/api/v1/conversations', { agent: 'fz-helper', content: 'hello helper' })
  ).conversation;
  const team = (await api(person.token, 'POST', '/api/v1/groups', { handle: 'fz-team', members: handles })).group;
  const othersTeam = (await api(admin, 'POST', '/api/v1/groups', { handle: 'fz-others', members: ['fz-helper'] }))
    .group;
  const tokens = (await api(admin, 'GET', '/api/v1/tokens?all=true')).tokens as Array<{ id: string; name: string }>;
  // Pending for the whole run, so that decisions reach the hub's checks rather than `approval_closed`.
  const approval = await hub.hub.approvals.open((await hub.hub.store.memberByHandle('fz-agent'))!, {
    room: rooms[0].id,
    action: 'fuzz action',
    timeout_ms: 15 * 60_000,
  });

  let chatTask: string = task.id;
  const refs: References = {
    room: [...rooms.flatMap((room) => [room.id, room.name, `#${room.name}`]), direct.id, conversation.id, elsewhere.id],
    message: [message.id, reply.id, hidden.id],
    task: [task.id, hiddenTask.id],
    conversation: [conversation.id],
    approval: [approval.id],
    member: [...handles, 'fz-helper'],
    group: [team.handle, othersTeam.handle],
    token: tokens.filter((token) => token.name !== 'first admin token').map((token) => token.id),
    capability: ['fuzzing'],
    emoji: ['fz', '👍'],
    credential: actors.map((actor) => actor.token),
    resource: ['roundtable://inbox', ...rooms.map((room) => `roundtable://rooms/${room.id}`)],
  };

  async function repair(): Promise<void> {
    for (const actor of actors) {
      await hub.api(admin, 'PATCH', `/api/v1/members/${actor.handle}`, { disabled: false, role: actor.role });
      await hub.api(admin, 'DELETE', `/api/v1/denylist/${actor.handle}`);
      if ((await hub.api(actor.token, 'GET', '/api/v1/me')).status === 401) {
        actor.token = (await api(admin, 'POST', '/api/v1/tokens', { name: 'fuzz', member: actor.handle })).token;
        refs.credential!.push(actor.token);
      }
    }
    for (const room of rooms) {
      const archived = (await hub.api(admin, 'GET', `/api/v1/rooms/${room.id}`)).body?.room?.archived;
      if (archived) {
        const fresh = (
          await api(admin, 'POST', '/api/v1/rooms', { name: `${room.name}-${Date.now()}`, kind: room.kind })
        ).room;
        refs.room!.push(fresh.id, fresh.name);
        room.id = fresh.id;
        room.name = fresh.name;
      }
      for (const handle of handles) await hub.api(admin, 'POST', `/api/v1/rooms/${room.id}/invite`, { member: handle });
      // A task's chat is its room's: the one in an archived room can no longer be joined.
      if (archived && room === rooms[0]) {
        const fresh = (
          await api(actors[0]!.token, 'POST', '/api/v1/tasks', {
            title: 'fuzz task',
            room: room.id,
            capabilities: ['fuzzing'],
          })
        ).task;
        refs.task!.push(fresh.id);
        chatTask = fresh.id;
      }
    }
    // The agent conversations are held with: the fuzzer may have deleted (disabled) it.
    await hub.api(admin, 'PATCH', '/api/v1/members/fz-helper', { disabled: false });
    const owner = actors[0]!.token;
    const conversations = (await api(owner, 'GET', '/api/v1/conversations')).conversations;
    if (conversations.length === 0) {
      const fresh = await api(owner, 'POST', '/api/v1/conversations', { agent: 'fz-helper', content: 'again' });
      refs.conversation!.push(fresh.conversation.id);
      refs.room!.push(fresh.conversation.id);
    }
  }

  return { hub, actors, refs, direct: direct.id, repair, chatTask: () => chatTask };
}

export interface Heartbeat {
  /** Stops sending, then checks that every heartbeat was acknowledged and received once, in order. */
  stopAndCheck(): Promise<number>;
}

/**
 * Two bystanders in a private room of their own: one sends a message every 200 ms over its own
 * WebSocket while the fuzzing goes on, and the other must receive every one, in order, without a gap.
 */
export async function startHeartbeat(t: TestContext, hub: TestHub): Promise<Heartbeat> {
  const [sender, receiver] = await Promise.all([hub.member('hb-sender'), hub.member('hb-receiver')]);
  const speaker = await RawClient.ready(t, hub.url, sender.token);
  const listener = await RawClient.ready(t, hub.url, receiver.token);
  const room = (await speaker.request('room.create', { name: 'hb-room', kind: 'private', members: ['hb-receiver'] }))
    .room;
  await listener.waitFor((f) => f.type === 'event' && f.room === room.id && f.kind === 'member.joined');
  let sent = 0;
  const timer = setInterval(() => {
    speaker.sendRaw(JSON.stringify({ type: 'send', id: `hb-${sent}`, room: room.id, content: `heartbeat ${sent}` }));
    sent += 1;
  }, 200);
  t.after(() => clearInterval(timer));
  return {
    async stopAndCheck() {
      clearInterval(timer);
      const acks = await Promise.all(
        Array.from({ length: sent }, (_, n) =>
          speaker.waitFor((f) => (f.type === 'ack' || f.type === 'error') && f.id === `hb-${n}`, 30_000),
        ),
      );
      assert.deepEqual(
        acks.filter((frame) => frame.type !== 'ack'),
        [],
        'every heartbeat was stored',
      );
      await eventually(() => assert.equal(listener.messages(room.id).length, sent, 'every heartbeat arrived'), 30_000);
      const received = listener.messages(room.id);
      assert.deepEqual(
        received.map((frame) => frame.data.content),
        Array.from({ length: sent }, (_, n) => `heartbeat ${n}`),
        'heartbeats arrived once each, in order',
      );
      const seqs = received.map((frame) => frame.seq as number);
      assert.deepEqual(
        seqs,
        seqs.map((_, index) => seqs[0]! + index),
        'no gap in the heartbeat room',
      );
      assert.equal(listener.closeCode, undefined, 'the listener was never disconnected');
      return sent;
    },
  };
}

/**
 * A bystander that writes to each fuzz actor in their direct room every 250 ms, so that a request
 * that waits for something addressed to its caller (with a wait the mutations removed, say) returns
 * soon; one that never returns is then a hub that does not answer.
 */
export async function startWaker(t: TestContext, hub: TestHub, actors: Actor[]): Promise<void> {
  const waker = await hub.member('fz-waker');
  const client = await RawClient.ready(t, hub.url, waker.token);
  const rooms: string[] = [];
  for (const actor of actors) rooms.push((await client.request('room.direct', { members: [actor.handle] })).room.id);
  const timer = setInterval(() => {
    rooms.forEach((room, index) =>
      client.sendRaw(JSON.stringify({ type: 'send', room, content: `@${actors[index]!.handle} wake up` })),
    );
  }, 250);
  t.after(() => clearInterval(timer));
}

/** The hub still answers its health probe (once the fuzzer's share of the anonymous rate limit is back). */
export async function assertHealthy(hub: TestHub): Promise<void> {
  await eventually(async () => {
    const health = await fetch(`${hub.url}/health`);
    assert.equal(health.status, 200, 'the hub is still healthy');
  }, 10_000);
}
