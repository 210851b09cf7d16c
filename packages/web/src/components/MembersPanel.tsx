/** Who is in the room and whether they are here: online, away, offline. A click mentions them. */
import { MemberKind, type PresenceStatus } from '@roundtable/protocol';
import { keyed, oneOf, text } from '../safe.js';
import { Avatar } from '../ui/Avatar.js';
import { KindBadge } from '../ui/KindBadge.js';
import { useChat } from '../use-chat.js';
import { SidePanel } from './SidePanel.js';

const ORDER: PresenceStatus[] = ['online', 'away', 'offline'];
const EMPTY: never[] = [];

export function MembersPanel({
  roomId,
  onMention,
  onClose,
}: {
  roomId: string;
  onMention: (handle: string) => void;
  onClose: () => void;
}) {
  const members = useChat((state) => state.members[roomId] ?? EMPTY);
  const presence = useChat((state) => state.presence);
  const me = useChat((state) => state.me?.handle);
  return (
    <SidePanel title="Members" className="members-panel" onClose={onClose}>
      {ORDER.map((status) => {
        const group = members.filter((member) => (presence[member.member] ?? member.presence) === status);
        if (group.length === 0) return null;
        return (
          <section key={status} aria-label={status}>
            <h3>
              {status[0]!.toUpperCase() + status.slice(1)} — {group.length}
            </h3>
            <ul>
              {keyed(group, (member) => member.member).map(([key, member]) => {
                const handle = text(member.member) ?? '?';
                const kind = oneOf(member.kind, MemberKind.options);
                const shownKind = kind !== undefined && kind !== 'person' ? kind : undefined;
                return (
                  <li key={key}>
                    <button
                      type="button"
                      className="member"
                      onClick={() => onMention(handle)}
                      disabled={member.member === me}
                    >
                      <span className="member-avatar">
                        <Avatar handle={handle} kind={kind ?? 'person'} size="s" />
                        <span className={`presence-dot ${status}`} aria-hidden="true" />
                      </span>
                      {/* The name reads "Mention @bob agent (online)"; what is seen is a part of it. */}
                      <span className="visually-hidden">Mention </span>
                      <span className="handle">@{handle}</span>
                      {shownKind && <KindBadge kind={shownKind} />}
                      <span className="visually-hidden"> ({status})</span>
                    </button>
                  </li>
                );
              })}
            </ul>
          </section>
        );
      })}
    </SidePanel>
  );
}
