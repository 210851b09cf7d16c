/**
 * The authorization matrix: every operation the hub's own tables list (REST routes, WebSocket
 * requests, MCP tools and resources), as every kind of outsider, against each of alice's private
 * things, refused, answered exactly as for something that does not exist, and without a trace of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub } from '@roundtable/testkit';
import { TARGET_KINDS, type RefKind } from './fuzz/arbitraries.js';
import { excerpt } from './fuzz/json-text.js';
import { routesMissingFromDocument } from './fuzz/tables.js';
import {
  caseValues,
  operationTable,
  sender,
  shaped,
  unclassified,
  type Answer,
  type Operation,
  type Param,
} from './authorization/operations.js';
import { buildWorld, heal, type Actor, type Target, type World } from './authorization/world.js';

/** Kinds whose target an operation acts on: naming one must be refused, as a missing one would be. */
const ACTED_ON: ReadonlySet<RefKind> = new Set(['room', 'message', 'task', 'conversation', 'token', 'approval']);
/**
 * Kinds answered exactly as a missing one would be. Members and capabilities are not secret (handles
 * are listed, a capability is a word), and naming a real one may rightly succeed where a made-up one
 * fails: those answers need only say nothing of alice's.
 */
const INDISTINGUISHABLE: ReadonlySet<RefKind> = new Set([...ACTED_ON, 'cursors']);
/** What a refusal of someone else's thing may say: that it is not there, or not for you. */
const REFUSALS = new Set([
  'room_not_found',
  'message_not_found',
  'task_not_found',
  'token_not_found',
  'approval_not_found',
  'member_not_found',
  'group_not_found',
  'forbidden',
  'not_member',
  'admin_only',
  'thread_mismatch',
  'unknown_target',
  // Stream frames name a message: one that is not the sender's own open stream is not streaming, for it.
  'not_streaming',
]);
/** Codes that say the request itself was wrong: a control case answered so means the generator is. */
const MALFORMED = new Set(['invalid_request', 'content_too_long', 'bad_json', 'nesting_too_deep', 'frame_too_large']);
const CLOSE_FOR = { auth_failed: 4401, member_disabled: 4403 } as const;
/** Values that differ between any two answers (ids and times of new things, counters), whatever was asked. */
const VOLATILE =
  /"(seq|last_seq|read_seq|unread|mentions|member_count|message_count|reply_count|version|next|token|excerpt)":("(?:[^"\\]|\\.)*"|-?[\d.e+-]+)/g;
// An id may end in `-`, after which `\b` finds no boundary: the end is where no id character follows.
const HUB_ID = /\b(r|m|msg|task|t|s|note|lease|rsv|mcp|apv)_[\w-]{12}(?![\w-])/g;
const TIME = /\d{4}-\d\d-\d\dT[\d:.]+Z/g;

function normalized(answer: Answer, given: string | undefined): string {
  const text = given ? answer.text.split(given).join('<target>') : answer.text;
  return `${answer.ok} ${answer.status} ${answer.code} ${text.replace(VOLATILE, '"$1":"~"').replace(HUB_ID, '~').replace(TIME, '~')}`;
}

/** Where two answers part, with a little of what comes before, as each has it. */
function divergence(real: string, control: string): string {
  let at = 0;
  while (at < real.length && real[at] === control[at]) at++;
  const from = Math.max(0, at - 60);
  return `at ${at}: got ${excerpt(real.slice(from, at + 160), 220)} where a missing one gives ${excerpt(control.slice(from, at + 160), 220)}`;
}

interface Plan {
  operation: Operation;
  actor: Actor;
  param: Param | undefined;
  target: Target | undefined;
}

/**
 * Every case the tables give: each operation, as each actor, with each target it can name, then with
 * none. Cases without a target act on the actor's own things (leave its room, cancel its task), so
 * they come last, when no other case needs those things any more.
 */
function plan(operations: Operation[], world: World, open: Set<Operation>): Plan[] {
  const plans: Plan[] = [];
  const untargeted: Plan[] = [];
  for (const operation of operations) {
    for (const actor of world.actors) {
      if (actor.adminOnly && operation.admin === 'none') continue;
      // A route that needs no token answers a dead one like any other caller.
      if (actor.always && open.has(operation)) continue;
      untargeted.push({ operation, actor, param: undefined, target: undefined });
      for (const param of operation.params.filter((p) => p.kind && TARGET_KINDS.has(p.kind))) {
        for (const target of world.targets.filter((candidate) => candidate.kind === param.kind)) {
          plans.push({ operation, actor, param, target });
        }
      }
    }
  }
  return [...plans, ...untargeted];
}

/** A route that changes the group its path names: anyone reads a group, but only its owner and admins change it. */
function changesGroup(operation: Operation, param: Param): boolean {
  const route = operation.rest;
  return (
    param.kind === 'group' &&
    route !== undefined &&
    route.method !== 'GET' &&
    route.parameters.some((p) => p.in === 'path' && p.name === param.name)
  );
}

/** What is wrong with the answers to a case, if anything. */
function judge(world: World, { operation, actor, param, target }: Plan, real: Answer, control: Answer | undefined) {
  const problems: string[] = [];
  const given = target?.value;
  const seen = given ? real.text.split(given).join('<target>') : real.text;
  // Bob is in alice's room: what he sees of it is his to see; only the admin rule is his.
  const leaked = actor.adminOnly ? [] : world.secrets.filter((secret) => secret !== given && seen.includes(secret));
  if (leaked.length > 0) problems.push(`leaks ${leaked.join(', ')}`);
  if (actor.always) {
    if (real.ok || real.code !== actor.always) problems.push(`not refused with ${actor.always}`);
    if (operation.transport === 'ws' && real.status !== CLOSE_FOR[actor.always])
      problems.push(`closed with ${real.status}`);
    return problems;
  }
  // Naming a member, an admin operation is refused when it names someone else; naming nobody, always.
  const namesMembers = operation.params.some((p) => p.kind === 'member');
  const forAdmins =
    (operation.admin === 'all' && (!namesMembers || param?.kind === 'member')) ||
    (operation.admin === 'others' && param?.kind === 'member');
  if (forAdmins && (real.ok || !REFUSALS.has(real.code ?? ''))) problems.push('an admin operation not refused');
  if (!target || !param || actor.adminOnly || target.open) return problems;
  if (changesGroup(operation, param) && (real.ok || !REFUSALS.has(real.code ?? ''))) {
    problems.push(real.ok ? 'changed a group it does not own' : `refused with ${real.code}`);
  }
  if (ACTED_ON.has(param.kind!) && (real.ok || !REFUSALS.has(real.code ?? ''))) {
    problems.push(real.ok ? 'not refused' : `refused with ${real.code}, which is not a not-found or forbidden code`);
  }
  if (control && INDISTINGUISHABLE.has(param.kind!)) {
    if (!control.ok && MALFORMED.has(control.code ?? ''))
      problems.push(`the case is malformed: ${excerpt(control.text, 200)}`);
    const [a, b] = [normalized(real, given), normalized(control, target.control)];
    if (a !== b) problems.push(`answered unlike a ${param.kind} that does not exist: ${divergence(a, b)}`);
  }
  return problems;
}

async function lastSeq(world: World, room: string): Promise<number> {
  return (await world.hub.api(world.owner, 'GET', `/api/v1/rooms/${room}`)).body.room.last_seq as number;
}

/**
 * What a case wrote to a public room its actor is not in: nothing but the actor's own join (which is
 * undone at once, so the next case meets an outsider again).
 */
async function writesTo(world: World, room: string, before: number, actor: Actor): Promise<string[]> {
  const events = (await world.hub.api(world.owner, 'GET', `/api/v1/rooms/${room}/events?after=${before}`)).body
    .events as Array<{ kind: string; data: { member?: string } }>;
  const joined = events.some((event) => event.kind === 'member.joined' && event.data.member === actor.handle);
  if (joined) await world.hub.api(actor.token, 'POST', `/api/v1/rooms/${room}/leave`);
  const written = events.filter((event) => !(event.kind === 'member.joined' && event.data.member === actor.handle));
  return written.length > 0
    ? [`wrote ${written.map((event) => event.kind).join(', ')} to a public room it is not in`]
    : [];
}

test('every parameter that names something has a kind the matrix knows, and every route is in the document', async (t) => {
  const hub = await startHub(t);
  const operations = await operationTable(hub, hub.adminToken);
  assert.ok(operations.length > 100, `${operations.length} operations were read from the tables`);
  assert.deepEqual(unclassified(operations), [], 'teach referenceKind() these parameters');
  assert.deepEqual(
    routesMissingFromDocument(
      hub,
      operations.flatMap((o) => (o.rest ? [o.rest] : [])),
    ),
    [],
  );
});

test('outsiders, dead tokens and disabled members reach nothing of alice’s through any operation', async (t) => {
  const started = Date.now();
  const world = await buildWorld(t);
  const operations = await operationTable(world.hub, world.actors[0]!.token);
  const send = sender(world.hub, world.clients, world.retired);
  t.after(() => send.close());
  const mallory = world.actors.find((actor) => actor.name === 'mallory')!;

  // Routes that answer without a token, found by asking one without a token.
  const open = new Set<Operation>();
  for (const operation of operations.filter((o) => o.transport === 'rest')) {
    const anonymous = { ...mallory, token: '' };
    const answer = await send.send(operation, anonymous, caseValues(operation, mallory, undefined, undefined));
    if (answer.code !== 'auth_required') open.add(operation);
  }

  const plans = plan(operations, world, open);
  const failures: string[] = [];
  for (const case_ of plans) {
    const { operation, actor, param, target } = case_;
    const valuesFor = (value: string | undefined) =>
      caseValues(operation, actor, param, param && value !== undefined ? shaped(param, value) : undefined);
    const about = target ? `${param!.name} = ${target.label}` : 'no target';
    let real: Answer;
    let control: Answer | undefined;
    // What alice's public room's log holds before the case: anything after it, the case wrote.
    const before = target?.open ? await lastSeq(world, target.value) : 0;
    try {
      if (!actor.always && world.clients.get(actor.name)?.closeCode !== undefined) await heal(t, world, actor);
      real = await send.send(operation, actor, valuesFor(target?.value));
      if (!actor.always && real.code === 'auth_failed') {
        await heal(t, world, actor);
        real = await send.send(operation, actor, valuesFor(target?.value));
      }
      control =
        target?.control !== undefined && !actor.always
          ? await send.send(operation, actor, valuesFor(target.control))
          : undefined;
    } catch (error) {
      failures.push(
        `${operation.transport} ${operation.name} as ${actor.name}, ${about}: no answer (${String(error).slice(0, 200)})`,
      );
      continue;
    }
    // FUZZ_VERBOSE=1 prints every case's answers, to read what the hub says where no rule complains.
    if (process.env.FUZZ_VERBOSE)
      console.log(
        `CASE ${operation.transport} ${operation.name} ${actor.name} ${about} -> ${real.ok} ${real.status} ${real.code} | ${control ? `${control.ok} ${control.status} ${control.code}` : '-'}`,
      );
    const problems = judge(world, case_, real, control);
    if (target?.open) problems.push(...(await writesTo(world, target.value, before, actor)));
    for (const problem of problems) {
      failures.push(
        `${operation.transport} ${operation.name} as ${actor.name}, ${about}: ${problem}\n      got ${excerpt(real.text, 300)}`,
      );
    }
  }

  // Frames pushed to the actors' connections (events, assignments, replays) answer nothing, but may leak
  // too; the ids the outsiders named themselves come back in them (a typing frame's thread), so only
  // what they never sent counts.
  const given = new Set(plans.flatMap((case_) => (case_.target ? [case_.target.value] : [])));
  for (const client of [...world.clients.values(), ...world.retired]) {
    if (client === world.clients.get('bob')) continue;
    const pushed = client.frames.map((frame) => JSON.stringify(frame));
    const leaked = world.secrets.filter((secret) => !given.has(secret) && pushed.some((text) => text.includes(secret)));
    const example = pushed.find((text) => leaked.some((secret) => text.includes(secret)));
    if (leaked.length > 0)
      failures.push(`ws frames pushed to an outsider leak ${leaked.join(', ')}: ${excerpt(example!)}`);
  }

  const targetable = operations.reduce(
    (sum, operation) =>
      sum +
      operation.params
        .filter((p) => p.kind && TARGET_KINDS.has(p.kind))
        .reduce((inner, p) => inner + world.targets.filter((target) => target.kind === p.kind).length, 0),
    0,
  );
  // Each operation as each outsider and each dead identity, and each of its targets as each outsider.
  const floor = operations.length * 2 + (operations.length - open.size) * 2 + targetable * 2;
  console.log(
    `authorization matrix: ${plans.length} cases (floor ${floor}) over ${operations.length} operations ` +
      `(${operations.filter((o) => o.transport === 'rest').length} REST, ${operations.filter((o) => o.transport === 'ws').length} WebSocket, ` +
      `${operations.filter((o) => o.transport === 'mcp').length} MCP), ${failures.length} failures, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const failure of failures) console.log(`  ${failure}`);
  assert.ok(plans.length >= floor, `${plans.length} cases ran`);
  assert.deepEqual(failures, [], 'every case refused, indistinguishable from a missing target, and silent');
});
