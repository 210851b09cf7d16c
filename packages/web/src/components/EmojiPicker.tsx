/**
 * The full emoji picker, loaded only when someone opens it: the emoji data is most of its weight,
 * and the first screen needs none of it. Native emoji, drawn by the person's own fonts, so nothing
 * is fetched from anywhere and nothing needs an inline stylesheet the hub's CSP would refuse.
 */
import { useMemo, useState } from 'react';
import emojis from 'emojibase-data/en/compact.json' with { type: 'json' };
import messages from 'emojibase-data/en/messages.json' with { type: 'json' };

/** The skin-tone and hair components are parts of other emoji, not reactions of their own. */
const COMPONENT_GROUP = 2;
const MAX_FOUND = 160;

/**
 * The form a reaction is stored in: without the emoji variation selector when the character is an
 * emoji by default (so 👍 from here and 👍 typed elsewhere are one reaction), with it when the
 * selector is what makes the character an emoji at all (❤️).
 */
export function reactionForm(unicode: string): string {
  const bare = unicode.replace(/\uFE0F/g, '');
  return /^\p{Emoji_Presentation}/u.test(bare) ? bare : unicode;
}

interface Entry {
  emoji: string;
  label: string;
  group: number;
  words: string;
}

const GROUPS = messages.groups.filter((group) => group.order !== COMPONENT_GROUP);

export default function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const [query, setQuery] = useState('');
  const [group, setGroup] = useState(GROUPS[0]!.order);
  const all = useMemo<Entry[]>(
    () =>
      emojis
        .filter((item) => item.group !== undefined && item.group !== COMPONENT_GROUP)
        .map((item) => ({
          emoji: reactionForm(item.unicode),
          label: item.label,
          group: item.group!,
          words: `${item.label} ${(item.tags ?? []).join(' ')}`.toLowerCase(),
        })),
    [],
  );
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown =
    words.length > 0
      ? all.filter((entry) => words.every((word) => entry.words.includes(word))).slice(0, MAX_FOUND)
      : all.filter((entry) => entry.group === group);
  const groupName = GROUPS.find((item) => item.order === group)?.message ?? '';

  return (
    <div className="emoji-picker" role="dialog" aria-label="Choose an emoji">
      <input
        type="search"
        aria-label="Search emoji"
        placeholder="Search emoji"
        value={query}
        autoFocus
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && shown[0]) onPick(shown[0].emoji);
        }}
      />
      {words.length === 0 && (
        <div className="emoji-groups" role="tablist" aria-label="Emoji groups">
          {GROUPS.map((item) => (
            <button
              key={item.key}
              type="button"
              role="tab"
              aria-selected={item.order === group}
              aria-label={item.message}
              data-tip={item.message}
              data-tip-side="below"
              className="emoji-group"
              onClick={() => setGroup(item.order)}
            >
              {all.find((entry) => entry.group === item.order)?.emoji}
            </button>
          ))}
        </div>
      )}
      <p className="emoji-heading" aria-live="polite">
        {words.length > 0 ? `${shown.length === MAX_FOUND ? `${MAX_FOUND}+` : shown.length} found` : groupName}
      </p>
      <div className="emoji-grid">
        {shown.map((entry) => (
          <button
            key={entry.emoji}
            type="button"
            aria-label={entry.label}
            title={entry.label}
            onClick={() => onPick(entry.emoji)}
          >
            {entry.emoji}
          </button>
        ))}
        {shown.length === 0 && <p className="muted-text">No emoji match “{query}”.</p>}
      </div>
    </div>
  );
}
