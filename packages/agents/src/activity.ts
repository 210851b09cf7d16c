/**
 * A hosted agent's activity status in the room or thread it answers in: `thinking` while a model
 * call runs, `tool` with its name while a tool runs, `idle` when the reply is done. The hub drops a
 * state after its TTL, so while one holds it is set again at half the TTL the hub reported.
 */
import type { RoundtableClient } from '@roundtable/client';
import { ACTIVITY_TTL_MS, type ActivityState } from '@roundtable/protocol';

export class ActivityReporter {
  private state: ActivityState = 'idle';
  private tool: string | undefined;
  private refresh: NodeJS.Timeout | undefined;
  private refreshMs = ACTIVITY_TTL_MS / 2;

  constructor(
    private readonly client: RoundtableClient,
    private readonly place: { room: string; thread_id?: string },
  ) {}

  /** Shows `state` from now on; `idle` clears it and ends the refreshing. */
  set(state: ActivityState, tool?: string): void {
    if (state === this.state && tool === this.tool) return;
    this.state = state;
    this.tool = tool;
    clearInterval(this.refresh);
    this.refresh = undefined;
    this.send();
    if (state === 'idle') return;
    this.refresh = setInterval(() => this.send(), this.refreshMs);
    this.refresh.unref();
  }

  /** The state shown now. */
  get current(): { state: ActivityState; tool: string | undefined } {
    return { state: this.state, tool: this.tool };
  }

  private send(): void {
    // A status is a courtesy: a refusal (a rate limit, a lost connection) must never end a reply.
    this.client.setActivity({ ...this.place, state: this.state, ...(this.tool ? { tool: this.tool } : {}) }).then(
      (activity) => {
        if (activity.ttl_ms > 0) this.refreshMs = Math.max(50, activity.ttl_ms / 2);
      },
      () => undefined,
    );
  }
}

/**
 * Shows the room that the agent waits for a person to approve `tool` until `decision` settles, then
 * goes back to what it showed before. The approvals flow's one way to the activity status.
 */
export async function whileWaitingForApproval<T>(
  activity: ActivityReporter,
  tool: string,
  decision: Promise<T>,
): Promise<T> {
  const before = activity.current;
  activity.set('waiting_approval', tool);
  try {
    return await decision;
  } finally {
    activity.set(before.state, before.tool);
  }
}
