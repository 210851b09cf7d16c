/** Mention parsing, shared so that a client can highlight exactly what the hub will resolve. */

/** `@handle` at the start or after a non-word character; code spans and fenced blocks do not count. */
const MENTION = /(^|[^\w@`])@([a-z0-9][a-z0-9_-]{0,31})\b/gi;
const CODE = /```[\s\S]*?(```|$)|`[^`\n]*`/g;

export const MENTION_ALL = 'all';

/** Lowercased handles mentioned in markdown content, in order of first appearance, without duplicates. */
export function parseMentions(content: string): string[] {
  const text = content.replace(CODE, ' ');
  const seen = new Set<string>();
  for (const match of text.matchAll(MENTION)) {
    seen.add(match[2]!.toLowerCase());
  }
  return [...seen];
}
