/**
 * The agents as a table: presence (live, from the chat's presence frames), last seen, owner, kind,
 * capabilities, tokens this hour, and for admins the actions on each. Narrow screens show each row
 * as a card.
 */
import { KeyRound, Pencil, Power, Trash2 } from 'lucide-react';
import type { AgentRow } from '../agents-api.js';
import { Avatar } from '../ui/Avatar.js';
import { IconButton } from '../ui/IconButton.js';
import { useChat } from '../use-chat.js';

function lastSeen(iso: string | undefined, now: number): string {
  if (!iso) return 'Not seen since the hub started';
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return 'unknown';
  const minutes = Math.round((now - at) / 60_000);
  if (minutes < 1) return 'Last seen just now';
  if (minutes < 60) return `Last seen ${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `Last seen ${hours} h ago`;
  return `Last seen ${new Date(at).toLocaleDateString()}`;
}

function usage(agent: AgentRow): string {
  const used = agent.tokensThisHour.toLocaleString('en-US');
  return agent.tokenBudget === undefined ? used : `${used} / ${agent.tokenBudget.toLocaleString('en-US')} per room`;
}

function kindLabel(agent: AgentRow): string {
  if (agent.kind === 'external') return 'External';
  return agent.source === 'file' ? 'Hosted (agents file)' : 'Hosted';
}

export function AgentList({
  agents,
  admin,
  onEdit,
  onToggle,
  onRotate,
  onDelete,
}: {
  agents: AgentRow[];
  admin: boolean;
  onEdit: (agent: AgentRow) => void;
  onToggle: (agent: AgentRow) => void;
  onRotate: (agent: AgentRow) => void;
  onDelete: (agent: AgentRow) => void;
}) {
  const live = useChat((state) => state.presence);
  const now = Date.now();
  return (
    <table className="table agents-table" aria-label="Agents">
      <thead>
        <tr>
          <th scope="col">Agent</th>
          <th scope="col">Status</th>
          <th scope="col">Kind</th>
          <th scope="col">Owner</th>
          <th scope="col">Capabilities</th>
          <th scope="col">Tokens this hour</th>
          {admin && (
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {agents.map((agent) => {
          const presence = agent.disabled ? 'offline' : (live[agent.handle] ?? agent.presence);
          const status = agent.disabled
            ? 'Disabled'
            : presence === 'offline'
              ? 'Offline'
              : presence === 'away'
                ? 'Away'
                : 'Online';
          return (
            <tr key={agent.handle} aria-label={`@${agent.handle}`} className={agent.disabled ? 'disabled' : undefined}>
              <td>
                <div className="agent-who">
                  <Avatar handle={agent.handle} kind="agent" />
                  <div>
                    <strong>{agent.displayName}</strong> <span className="agent-handle">@{agent.handle}</span>
                    {agent.description && <small className="hint">{agent.description}</small>}
                  </div>
                </div>
              </td>
              <td data-label="Status">
                <span className="agent-status">
                  <span className={`presence-dot ${presence}`} aria-hidden="true" />
                  {status}
                </span>
                {presence === 'offline' && (
                  <small className="hint" title={agent.lastSeen}>
                    {lastSeen(agent.lastSeen, now)}
                  </small>
                )}
              </td>
              <td data-label="Kind">
                <span className={`agent-kind ${agent.kind}`}>{kindLabel(agent)}</span>
                {agent.kind === 'hosted' && !agent.running && !agent.disabled && (
                  <small className="hint">not running</small>
                )}
              </td>
              <td data-label="Owner">{agent.owner ? `@${agent.owner}` : agent.kind === 'hosted' ? 'this hub' : '—'}</td>
              <td data-label="Capabilities">
                {agent.capabilities.length === 0 ? (
                  '—'
                ) : (
                  <ul className="agent-capabilities" aria-label="Capabilities">
                    {agent.capabilities.map((capability) => (
                      <li key={capability}>{capability}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td data-label="Tokens this hour" className="agent-usage">
                {usage(agent)}
              </td>
              {admin && (
                <td className="agent-actions">
                  {agent.kind === 'hosted' && agent.source === 'api' && (
                    <IconButton label={`Edit @${agent.handle}`} onClick={() => onEdit(agent)}>
                      <Pencil aria-hidden size={16} />
                    </IconButton>
                  )}
                  <IconButton
                    label={`${agent.disabled ? 'Enable' : 'Disable'} @${agent.handle}`}
                    onClick={() => onToggle(agent)}
                  >
                    <Power aria-hidden size={16} />
                  </IconButton>
                  {agent.kind === 'external' && (
                    <IconButton label={`Rotate the token of @${agent.handle}`} onClick={() => onRotate(agent)}>
                      <KeyRound aria-hidden size={16} />
                    </IconButton>
                  )}
                  {agent.source !== 'file' && (
                    <IconButton
                      label={`Delete @${agent.handle}`}
                      tipSide="left"
                      className="danger"
                      onClick={() => onDelete(agent)}
                    >
                      <Trash2 aria-hidden size={16} />
                    </IconButton>
                  )}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
