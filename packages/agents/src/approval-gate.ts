/**
 * Tool policies at work: an `ask` tool runs only once a person approves the call in the room (the
 * request shows the agent, the tool, its arguments and the model's stated reason); a `deny` tool
 * never runs. Either way the model is told what happened, and the reply carries on.
 */
import { requestApproval, type Approval, type RoundtableClient } from '@roundtable/client';
import type { Message } from '@roundtable/protocol';
import type { AgentDefinition, ToolPolicy } from './config.js';
import type { ToolCallOutcome } from './tools.js';

/** How much of the model's words before the call goes with the request as its reason, in characters. */
const REASON_CHARS = 1_000;

export interface GateOptions {
  client: RoundtableClient;
  definition: AgentDefinition;
  trigger: Message;
  call: { name: string; input: unknown };
  policy: ToolPolicy;
  /** What the model said before it made the call, if anything. */
  reason: string;
  run: () => Promise<ToolCallOutcome>;
  /** Runs the wait for a person, with the reply's clock stopped. */
  hold: <T>(work: () => Promise<T>) => Promise<T>;
}

export async function gatedRun(options: GateOptions): Promise<ToolCallOutcome> {
  const { call, policy } = options;
  if (policy === 'auto') return options.run();
  if (policy === 'deny') {
    return {
      ok: false,
      result: `The tool ${call.name} is not allowed for this agent (its policy is deny): it did not run.`,
    };
  }
  const { approvals } = options.definition;
  const reason = options.reason.trim();
  let approval: Approval;
  try {
    approval = await options.hold(() =>
      requestApproval(options.client, {
        room: options.trigger.room,
        ...(options.trigger.thread_id ? { thread_id: options.trigger.thread_id } : {}),
        action: call.name,
        details: call.input ?? null,
        reason: reason.length > REASON_CHARS ? `…${reason.slice(-REASON_CHARS)}` : reason,
        deciders: approvals.deciders,
        timeout_ms: approvals.timeout_ms,
      }),
    );
  } catch (error) {
    return {
      ok: false,
      result: `The call to ${call.name} needed approval, which could not be asked: ${(error as Error).message}. It did not run.`,
    };
  }
  if (approval.status === 'approved') return options.run();
  const note = approval.note ? ` Their note: ${approval.note}` : '';
  return {
    ok: false,
    result:
      approval.status === 'expired'
        ? `Nobody approved the call to ${call.name} in time, so it was denied and did not run.`
        : `@${approval.decided_by} denied the call to ${call.name}, so it did not run.${note}`,
  };
}
