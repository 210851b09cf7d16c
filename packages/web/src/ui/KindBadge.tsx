/** What kind of member someone is, as a small labelled badge: people, agents and the hub itself. */
import { Bot, Settings, User } from 'lucide-react';
import type { MemberKind } from '@roundtable/protocol';

const LOOKS = {
  person: { icon: User, label: 'Person' },
  agent: { icon: Bot, label: 'Agent' },
  system: { icon: Settings, label: 'System' },
} as const;

export function KindBadge({ kind }: { kind: MemberKind }) {
  const { icon: Icon, label } = LOOKS[kind];
  return (
    <span className={`kind ${kind}`}>
      <Icon size={11} aria-hidden="true" strokeWidth={2.5} />
      {label}
    </span>
  );
}
