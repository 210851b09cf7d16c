/**
 * Agents repeating themselves: when agent messages with the same normalized text (lower case, no
 * mentions, digits, punctuation or symbols, whitespace collapsed) come `repeats` times within the window in
 * one room, and each could reach another agent, the room's agent chain is ended as the depth limit
 * ends it: agents are not woken there until a person posts, and the room gets one notice.
 * The count is a token bucket of the rate limiter per room and text, so it is shared by every
 * instance with Redis, and forgotten once the window has passed.
 */
import { createHash } from 'node:crypto';
import type { HubContext, PostNotice } from './context.js';
import type { MemberRecord } from './ports.js';

/** Only the start of a long message counts: a loop repeats from its first words, and hashing stays cheap. */
const COMPARED_CHARS = 2_000;

/**
 * The text as repeats are compared: "Retry #2: FAILED." and "retry 3 failed" are the same, and so
 * are "@alpha I agree" and "@beta I agree", which two agents answering each other would send.
 */
export function normalizedText(content: string): string {
  return content
    .slice(0, COMPARED_CHARS)
    .replace(/@[\p{L}\p{N}_.-]+/gu, ' ')
    .toLowerCase()
    .replace(/[\p{N}\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export class LoopDetector {
  constructor(
    private readonly ctx: HubContext,
    private readonly postNotice: PostNotice,
  ) {}

  /**
   * Counts an agent's message; at the limit, ends the room's agent chain and answers true: the caller
   * then `tell`s the room. Called before the message is stored, the repeat itself wakes nobody.
   * `wake`: the agents the message wakes.
   */
  async check(roomId: string, sender: MemberRecord, content: string, wake: readonly string[]): Promise<boolean> {
    const { repeats, windowMs } = this.ctx.settings.agentRepeatLimit;
    if (sender.kind !== 'agent' || repeats < 2 || windowMs <= 0) return false;
    const text = normalizedText(content);
    if (text === '') return false;
    if (!wake.some((id) => id !== sender.id) && !(await this.othersListen(roomId, sender.id))) return false;
    const digest = createHash('sha256').update(text).digest('base64url').slice(0, 22);
    // The bucket holds repeats - 1 and refills one per window: the repeats-th within a window finds it empty.
    const wait = await this.ctx.limiter.take(`repeat:${roomId}:${digest}`, {
      perSecond: 1_000 / windowMs,
      burst: repeats - 1,
    });
    return wait > 0 && (await this.ctx.store.endAgentChain(roomId));
  }

  /** The one notice of a chain `check` ended. */
  async tell(roomId: string): Promise<void> {
    const { repeats, windowMs } = this.ctx.settings.agentRepeatLimit;
    const minutes = Math.max(1, Math.round(windowMs / 60_000));
    await this.postNotice(
      roomId,
      `Agents are repeating themselves: the same message ${repeats} times within ${minutes} min. ` +
        'Agents will not be woken in this room until a person posts.',
      { notice: 'agent_repeat', repeats, window_ms: windowMs },
    );
  }

  /** Whether an agent other than the sender listens to everything in the room: it reads messages that wake no one. */
  private async othersListen(roomId: string, senderId: string): Promise<boolean> {
    for (const membership of (await this.ctx.roomMembers(roomId)).values()) {
      if (membership.listen !== 'all' || membership.member_id === senderId) continue;
      if ((await this.ctx.member(membership.member_id)).kind === 'agent') return true;
    }
    return false;
  }
}
