/**
 * The Bus port's contract: one suite that every fan-out adapter (in-process now, Redis later)
 * runs through its own factory. Messages go between two endpoints of the same fan-out, as they do
 * between two hub instances.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { eventually } from '@roundtable/testkit';
import type { Bus, BusMessage, StoredEvent } from '../../src/core/ports.js';
import { eventFrame } from '../../src/core/wire.js';

export interface BusPair {
  /** Two endpoints of one fan-out, as two hub instances would hold them; the same object for an in-process bus. */
  first: Bus;
  second: Bus;
}

/** Opens a fresh fan-out (its own channel or key prefix) and registers closing both endpoints on `t`. */
export type BusFactory = (t: TestContext) => Promise<BusPair>;

function collect(bus: Bus): BusMessage[] {
  const received: BusMessage[] = [];
  bus.subscribe((message) => received.push(message));
  return received;
}

function control(memberId: string): BusMessage {
  return { kind: 'control', action: 'member.updated', memberId };
}

function memberIds(received: BusMessage[]): string[] {
  return received.map((message) =>
    message.kind === 'control' && message.action === 'member.updated' ? message.memberId : message.kind,
  );
}

/** Its data holds a field no message has: the bus carries data whole, whatever its kind declares. */
function storedEvent(seq: number, agents: string[] | null, quiet: boolean): StoredEvent {
  return {
    room: 'r_lab',
    seq,
    kind: 'message.created',
    at: '2030-01-01T00:00:00.000Z',
    actor: 'ada',
    data: {
      id: `msg_${seq}`,
      content: 'héllo 👋 "quoted"\n',
      mentions: ['alpha'],
      nested: { list: [1, 2.5, null, true] },
    },
    agents,
    quiet,
  } as unknown as StoredEvent;
}

/** One message of every kind the hub publishes, with nulls and lists where the type allows them. */
const everyKind: BusMessage[] = [
  {
    kind: 'event',
    room: 'r_lab',
    seq: 7,
    agents: ['m_alpha', 'm_beta'],
    quiet: false,
    frame: eventFrame(storedEvent(7, ['m_alpha', 'm_beta'], false)),
    event: storedEvent(7, ['m_alpha', 'm_beta'], false),
  },
  {
    kind: 'event',
    room: 'r_lab',
    seq: 8,
    agents: null,
    quiet: true,
    frame: eventFrame(storedEvent(8, null, true)),
    event: storedEvent(8, null, true),
  },
  { kind: 'signal', room: 'r_lab', members: null, agentsToo: false, frame: '{"type":"typing","member":"ada"}' },
  {
    kind: 'signal',
    room: null,
    members: ['m_ada', 'm_bob'],
    agentsToo: true,
    frame: '{"type":"presence","member":"ada"}',
  },
  { kind: 'control', action: 'token.revoked', tokenId: 't_1' },
  { kind: 'control', action: 'member.updated', memberId: 'm_ada' },
  { kind: 'control', action: 'membership.updated', roomId: 'r_lab', memberId: 'm_alpha' },
];

export function busContract(name: string, makeBus: BusFactory): void {
  describe(`${name} passes the Bus contract`, () => {
    test('a message published on one instance reaches every subscriber of every instance, once', async (t) => {
      const { first, second } = await makeBus(t);
      const subscribers = [collect(first), collect(first), collect(second), collect(second)];
      first.publish(control('m_1'));
      second.publish(control('m_2'));
      await eventually(() => {
        for (const received of subscribers) assert.ok(received.length >= 2, 'both first messages arrived');
      });
      // A second copy of either would arrive before a later message from the same publisher.
      first.publish(control('m_end_1'));
      second.publish(control('m_end_2'));
      await eventually(() => {
        for (const received of subscribers) assert.ok(received.length >= 4, 'all four messages arrived');
      });
      for (const received of subscribers)
        assert.deepEqual(memberIds(received).sort(), ['m_1', 'm_2', 'm_end_1', 'm_end_2']);
    });

    test('a thousand messages arrive in the order they were published', async (t) => {
      const { first, second } = await makeBus(t);
      const far = collect(second);
      const near = collect(first);
      for (let seq = 1; seq <= 1000; seq++) first.publish(control(`m_${seq}`));
      const expected = Array.from({ length: 1000 }, (_, index) => `m_${index + 1}`);
      await eventually(() => assert.equal(far.length, 1000));
      await eventually(() => assert.equal(near.length, 1000));
      assert.deepEqual(memberIds(far), expected);
      assert.deepEqual(memberIds(near), expected);
    });

    test('every kind of bus message arrives with its fields intact', async (t) => {
      const { first, second } = await makeBus(t);
      const received = collect(second);
      for (const message of everyKind) first.publish(structuredClone(message));
      await eventually(() => assert.equal(received.length, everyKind.length));
      assert.deepEqual(received, everyKind);
    });

    test('a closed instance delivers nothing and ignores what is published on it', async (t) => {
      const { first, second } = await makeBus(t);
      const closed = collect(second);
      // The witness only works when the endpoints are distinct; one in-process bus delivers synchronously.
      const witness = first === second ? undefined : collect(first);
      await second.close();
      assert.doesNotThrow(() => second.publish(control('m_on_closed')));
      first.publish(control('m_after_close'));
      first.publish(control('m_marker'));
      if (witness) {
        await eventually(() => assert.ok(memberIds(witness).includes('m_marker'), 'the marker arrived'));
        assert.ok(!memberIds(witness).includes('m_on_closed'), 'a closed endpoint publishes nothing');
      }
      assert.deepEqual(closed, []);
    });

    test('close() resolves, on both instances', { timeout: 5_000 }, async (t) => {
      const { first, second } = await makeBus(t);
      collect(first);
      collect(second);
      first.publish(control('m_1'));
      await first.close();
      await second.close();
    });
  });
}
