/**
 * A member's avatar: a colour and initials derived from the handle alone, so the same member looks
 * the same everywhere and members with similar handles (`ada`, `ada558`, `admin`) tell apart.
 */
import type { MemberKind } from '@roundtable/protocol';

/** Each keeps white text above 4.5:1 contrast, in both themes. */
const PALETTE = [
  '#b3261e',
  '#a14300',
  '#7a5a00',
  '#2e7031',
  '#00695c',
  '#005f95',
  '#3a49c4',
  '#6a3db0',
  '#a3124f',
  '#5d4037',
  '#44545e',
  '#00727d',
];

function hash(value: string): number {
  let h = 2166136261;
  for (let i = 0; i < value.length; i++) {
    h ^= value.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export function avatarColor(handle: string): string {
  return PALETTE[hash(handle.toLowerCase()) % PALETTE.length]!;
}

/**
 * Two characters: the first letters of two words when the handle has parts (`ada.lovelace` → AL),
 * else its first and last letter or digit (`ada` → AA, `ada558` → A8, `admin` → AN).
 */
export function initialsOf(handle: string): string {
  const parts = handle.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  if (parts.length === 0) return '?';
  const chars = (part: string) => [...part];
  if (parts.length > 1) return (chars(parts[0]!)[0]! + chars(parts[1]!)[0]!).toUpperCase();
  const letters = chars(parts[0]!);
  return (letters.length === 1 ? letters[0]! : letters[0]! + letters[letters.length - 1]!).toUpperCase();
}

export function Avatar({
  handle,
  kind = 'person',
  size = 'm',
}: {
  handle: string;
  kind?: MemberKind | 'unknown';
  size?: 's' | 'm';
}) {
  return (
    <span
      className={`avatar ${kind} ${size}`}
      style={kind === 'system' || kind === 'unknown' ? undefined : { background: avatarColor(handle) }}
      aria-hidden="true"
    >
      {kind === 'unknown' ? '!' : initialsOf(handle)}
    </span>
  );
}
