/**
 * Catching up: when an agent that spoke in a room before is addressed there again, the model gets
 * what happened since its last message, not only the recent window. Bounded: at most
 * `max_messages`, and past `max_chars` (or when the hub left earlier ones out) summarized by the
 * model in a call of its own; when that fails, the newest that fit, after a marker saying how many
 * were left out.
 */
import type { RoundtableClient } from '@roundtable/client';
import type { Message } from '@roundtable/protocol';
import { streamText, type LanguageModel } from 'ai';

export interface CatchUpSettings {
  max_messages: number;
  max_chars: number;
}

export interface CatchUpOptions {
  client: RoundtableClient;
  model: LanguageModel;
  settings: CatchUpSettings;
  /** The summary call's time limit, in ms. */
  timeoutMs: number;
  /** Tokens the summary call spent, for the budget. */
  spend: (tokens: number) => void;
  onSummaryFailed: (error: unknown) => void;
}

const HEADER = 'What happened here since you last spoke (before the recent messages):';
/** The summary's own length: it stands in for `max_chars` of messages, so it is kept well below that. */
const SUMMARY_TOKENS = 400;

/**
 * The text for the model's context, or '' when there is nothing to catch up on: the agent never
 * spoke there, or everything since is in the recent window (whose oldest seq is `windowStart`).
 */
export async function catchUpText(options: CatchUpOptions, trigger: Message, windowStart: number): Promise<string> {
  const { client, settings } = options;
  const page = await client.sinceLastSpoke(trigger.room, {
    limit: settings.max_messages,
    ...(trigger.thread_id ? { thread_id: trigger.thread_id } : {}),
  });
  if (!page.last_spoke) return '';
  const missed = page.messages.filter(
    (message) => message.seq < windowStart && !message.deleted && message.content.trim() !== '',
  );
  if (missed.length === 0) return '';
  const lines = missed.map((message) => `@${message.sender} (${message.created_at.slice(0, 16)}Z): ${message.content}`);
  const text = lines.join('\n');
  const leftOut = page.has_more ? '\n[Earlier messages since you last spoke are not shown.]' : '';
  if (text.length <= settings.max_chars && !page.has_more) return `${HEADER}\n${text}`;
  try {
    return `${HEADER}\n[A summary of ${missed.length} messages]\n${await summarize(options, text)}${leftOut}`;
  } catch (error) {
    options.onSummaryFailed(error);
    return `${HEADER}\n${trimmed(lines, settings.max_chars)}${leftOut}`;
  }
}

async function summarize(options: CatchUpOptions, text: string): Promise<string> {
  const result = streamText({
    model: options.model,
    system:
      'Summarize this group chat for a participant who was away: who asked or decided what, what is still open. ' +
      'Be brief; keep names as @handles.',
    prompt: text,
    maxOutputTokens: SUMMARY_TOKENS,
    maxRetries: 0,
    abortSignal: AbortSignal.timeout(options.timeoutMs),
    onError: () => {},
  });
  let summary = '';
  for await (const part of result.fullStream) {
    if (part.type === 'text-delta') summary += part.text;
    else if (part.type === 'error') throw part.error;
    else if (part.type === 'abort') throw new Error('the summary was not finished in time');
    else if (part.type === 'finish') {
      options.spend((part.totalUsage.inputTokens ?? 0) + (part.totalUsage.outputTokens ?? 0));
    }
  }
  if (summary.trim() === '') throw new Error('the summary came back empty');
  return summary.trim().slice(0, options.settings.max_chars);
}

/** The newest lines within `maxChars`, after a marker that says how many older ones were left out. */
function trimmed(lines: string[], maxChars: number): string {
  const kept: string[] = [];
  let size = 0;
  for (const line of [...lines].reverse()) {
    const clipped = line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line;
    if (size + clipped.length + 1 > maxChars && kept.length > 0) break;
    kept.unshift(clipped);
    size += clipped.length + 1;
  }
  const dropped = lines.length - kept.length;
  if (dropped === 0) return kept.join('\n');
  return [`[… ${dropped} earlier message${dropped === 1 ? '' : 's'} left out …]`, ...kept].join('\n');
}
