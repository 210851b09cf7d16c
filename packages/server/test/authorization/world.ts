/**
 * The world the authorization matrix runs in: alice's private things (a room with a message, a thread
 * reply and a reaction, a task, a note, a conversation with an agent), each a target with the secret
 * strings it would give away, her group, and the actors who must not reach them.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { RawClient, startHub, type TestHub } from '@roundtable/testkit';
import type { RefKind } from '../fuzz/arbitraries.js';

/** A word every secret contains, given as free text everywhere, so that searches and filters look for it. */
export const BAIT = 'zebrafish';

export interface Target {
  kind: RefKind;
  /** What the request names: an id, a name, a handle. */
  value: string;
  /** Something of the same shape that does not exist (empty for members, which are not secret). */
  control: string | undefined;
  label: string;
  /**
   * A public room: its content is anyone's to read, so answers need not refuse nor hide it, but no
   * operation may write to it for someone who is not a member (joining aside).
   */
  open?: boolean;
}

export type ActorName = 'mallory' | 'intruder' | 'bob' | 'revoked' | 'disabled';

export interface Actor {
  name: ActorName;
  handle: string;
  token: string;
  /** Values an actor may legitimately name, for the parameters that are not the target of a case. */
  own: Partial<Record<RefKind, string>>;
  /** What every answer must be: refused for a dead token or a disabled member, whatever the request. */
  always?: 'auth_failed' | 'member_disabled';
  /** Runs only the operations that are for admins: a member of alice's room, so the room does not refuse it first. */
  adminOnly?: boolean;
}

export interface World {
  hub: TestHub;
  /** alice's token, to read her public room's log around each case. */
  owner: string;
  targets: Target[];
  /** Strings of alice's that no answer to anyone else may contain. */
  secrets: string[];
  actors: Actor[];
  /** Connected clients of the actors who can connect, whose every frame is checked at the end. */
  clients: Map<ActorName, RawClient>;
  /** Clients replaced by `heal`, whose frames are checked too. */
  retired: RawClient[];
}

/**
 * A new token and connection for an actor whose own case signed it out (`POST /auth/logout` is an
 * operation like any other), so the cases after it still speak for the actor.
 */
export async function heal(t: TestContext, world: World, actor: Actor): Promise<void> {
  const created = await world.hub.api(world.hub.adminToken, 'POST', '/api/v1/tokens', {
    name: 'matrix',
    member: actor.handle,
  });
  actor.token = created.body.token;
  const old = world.clients.get(actor.name);
  if (old) {
    world.retired.push(old);
    world.clients.set(actor.name, await RawClient.ready(t, world.hub.url, actor.token));
  }
}

/** An id shaped like `real`: its prefix, and random characters of the same length. */
function lookalike(real: string): string {
  const at = real.indexOf('_');
  return `${real.slice(0, at + 1)}${randomBytes(16)
    .toString('base64url')
    .slice(0, real.length - at - 1)}`;
}

export async function buildWorld(t: TestContext): Promise<World> {
  const hub = await startHub(t);
  const admin = hub.adminToken;
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const reply = await hub.api(token, method, path, body);
    if (reply.status >= 400) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  };
  const tag = randomBytes(3).toString('hex');
  const capability = `vault-skill-${tag}`;
  const [alice, bob, mallory, intruder, dora] = await Promise.all([
    hub.member('alice'),
    hub.member('bob'),
    hub.member('mallory'),
    hub.member('intruder', 'agent', { capabilities: [capability] }),
    hub.member('dora'),
    hub.member('oracle', 'agent'),
    hub.member('warden', 'agent'),
  ]);

  const room = (
    await api(alice.token, 'POST', '/api/v1/rooms', {
      name: `alice-vault-${tag}`,
      kind: 'private',
      topic: `${BAIT} vault topic ${tag}`,
      members: ['bob', 'warden'],
    })
  ).room;
  const messageText = `${BAIT} alice secret message ${tag}`;
  const message = (await api(alice.token, 'POST', `/api/v1/rooms/${room.id}/messages`, { content: messageText }))
    .message;
  const replyText = `${BAIT} alice secret reply ${tag}`;
  const reply = (
    await api(alice.token, 'POST', `/api/v1/rooms/${room.id}/messages`, { content: replyText, thread_id: message.id })
  ).message;
  const emoji = `vault-reaction-${tag}`;
  await api(alice.token, 'PUT', `/api/v1/messages/${message.id}/reactions/${emoji}`);
  const crew = (await api(alice.token, 'POST', '/api/v1/groups', { handle: `alice-crew-${tag}`, members: ['bob'] }))
    .group;
  const taskTitle = `${BAIT} alice secret task ${tag}`;
  const task = (
    await api(alice.token, 'POST', '/api/v1/tasks', {
      title: taskTitle,
      description: `${BAIT} alice secret task description ${tag}`,
      room: room.id,
      capabilities: [capability],
      team: crew.handle,
    })
  ).task;
  const noteText = `${BAIT} alice secret note ${tag}`;
  await api(alice.token, 'POST', '/api/v1/memory/notes', { content: noteText, room: room.id });
  const conversationText = `${BAIT} alice secret conversation ${tag}`;
  const conversation = await api(alice.token, 'POST', '/api/v1/conversations', {
    agent: 'oracle',
    content: conversationText,
  });
  const approvalText = `${BAIT} alice secret approval ${tag}`;
  // Opened without waiting: it stays pending while the matrix tries to decide or list it.
  const approval = await hub.hub.approvals.open((await hub.hub.store.memberByHandle('warden'))!, {
    room: room.id,
    action: approvalText,
    timeout_ms: 15 * 60_000,
  });
  const aliceToken = (await api(alice.token, 'GET', '/api/v1/tokens')).tokens[0].id as string;
  const square = (await api(alice.token, 'POST', '/api/v1/rooms', { name: `alice-square-${tag}`, kind: 'public' }))
    .room;
  await api(alice.token, 'POST', `/api/v1/rooms/${square.id}/messages`, { content: 'anyone may read this' });

  // The actors' own things, for the parameters of a case that are not its target.
  const own = async (token: string, person: boolean) => {
    const general = (await api(token, 'POST', '/api/v1/rooms/general/messages', { content: 'my own words' })).message;
    const me = (await api(token, 'GET', '/api/v1/me')).member.handle as string;
    const group = (await api(token, 'POST', '/api/v1/groups', { handle: `${me}-crew-${tag}`, members: [me] })).group;
    const ownTask = (await api(token, 'POST', '/api/v1/tasks', { title: 'my own task', room: 'general' })).task;
    const ownConversation = person
      ? (await api(token, 'POST', '/api/v1/conversations', { agent: 'oracle', content: 'my own talk' })).conversation
      : undefined;
    return {
      room: 'general',
      group: group.handle as string,
      message: general.id as string,
      task: ownTask.id as string,
      ...(ownConversation ? { conversation: ownConversation.id as string } : {}),
    };
  };
  const malloryOwn = await own(mallory.token, true);
  const intruderOwn = await own(intruder.token, false);
  const bobOwn = await own(bob.token, true);
  const doraOwn = await own(dora.token, true);
  const spare = await api(mallory.token, 'POST', '/api/v1/tokens', { name: 'to be revoked' });
  await api(mallory.token, 'DELETE', `/api/v1/tokens/${spare.record.id}`);
  await api(admin, 'PATCH', '/api/v1/members/dora', { disabled: true });

  const clients = new Map<ActorName, RawClient>();
  clients.set('mallory', await RawClient.ready(t, hub.url, mallory.token));
  clients.set('intruder', await RawClient.ready(t, hub.url, intruder.token));
  clients.set('bob', await RawClient.ready(t, hub.url, bob.token));
  // The outsiders' own Wegent personal channel and simple socket stay open the whole run: whatever any
  // case pushes to them (a task's events, a room's messages) is checked for leaks with the rest.
  const listening: RawClient[] = [];
  for (const [handle, token] of [
    ['mallory', mallory.token],
    ['intruder', intruder.token],
  ]) {
    listening.push(await RawClient.connect(t, hub.url, { token, path: '/api/v1/users/me/events' }));
    listening.push(await RawClient.connect(t, hub.url, { token, path: `/ws/user?user_id=${handle}` }));
  }

  const target = (kind: RefKind, value: string, label: string, control = lookalike(value)): Target => ({
    kind,
    value,
    control,
    label,
  });
  return {
    hub,
    owner: alice.token,
    targets: [
      target('room', room.id, 'the private room by id'),
      target('room', room.name, 'the private room by name', `no-such-vault-${tag}`),
      target('room', conversation.conversation.id, "alice's conversation as a room"),
      target('message', message.id, 'the private message'),
      target('message', reply.id, 'the thread reply'),
      target('message', conversation.message.id, "the conversation's message"),
      target('task', task.id, "the private room's task"),
      target('approval', approval.id, 'an approval request in the private room'),
      target('conversation', conversation.conversation.id, "alice's conversation"),
      target('token', aliceToken, "alice's token"),
      target('capability', capability, "the task's capability", `no-such-skill-${tag}`),
      { ...target('room', square.id, "alice's public room"), open: true },
      target('cursors', room.id, 'the private room as a resume cursor'),
      { kind: 'member', value: 'alice', control: undefined, label: 'alice' },
      // Groups are no secret (anyone lists them), but only their owner and admins change them.
      { kind: 'group', value: crew.handle, control: undefined, label: "alice's group" },
    ],
    secrets: [
      room.id,
      room.name,
      `vault topic ${tag}`,
      message.id,
      messageText,
      reply.id,
      replyText,
      emoji,
      task.id,
      taskTitle,
      noteText,
      conversation.conversation.id,
      conversation.message.id,
      conversationText,
      approval.id,
      approvalText,
    ],
    actors: [
      { name: 'mallory', handle: 'mallory', token: mallory.token, own: { ...malloryOwn, member: 'mallory' } },
      { name: 'intruder', handle: 'intruder', token: intruder.token, own: { ...intruderOwn, member: 'intruder' } },
      { name: 'bob', handle: 'bob', token: bob.token, own: { ...bobOwn, member: 'bob' }, adminOnly: true },
      {
        name: 'revoked',
        handle: 'mallory',
        token: spare.token,
        own: { ...malloryOwn, member: 'mallory' },
        always: 'auth_failed',
      },
      {
        name: 'disabled',
        handle: 'dora',
        token: dora.token,
        own: { ...doraOwn, member: 'dora' },
        always: 'member_disabled',
      },
    ],
    clients,
    retired: listening,
  };
}
