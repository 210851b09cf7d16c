/**
 * The Agents page: every agent with its presence, last seen, owner, kind and token use this hour
 * (admins see all of them, others the agents they own), and what admins do with them: add an AI
 * agent this hub runs, connect an external one, edit, disable, rotate a token, delete. Loaded on
 * demand: the first screen does not need it.
 */
import { useCallback, useEffect, useState } from 'react';
import { ArrowLeft, Bot, Menu, Plug, Plus, RefreshCw } from 'lucide-react';
import { agentsApi, describeError, type AgentRow, type UsageRow } from '../agents-api.js';
import { IconButton } from '../ui/IconButton.js';
import { useChat, useStore } from '../use-chat.js';
import { AgentForm } from './AgentForm.js';
import { AgentList } from './AgentList.js';
import { AgentUsage } from './AgentUsage.js';
import { ConnectAgent, TokenScreen } from './ConnectAgent.js';
import { Confirm } from './Dialog.js';
import '../styles/agents.css';

type Screen =
  | { name: 'list' }
  | { name: 'add' }
  | { name: 'edit'; handle: string }
  | { name: 'connect' }
  | { name: 'token'; handle: string; token: string; fresh: boolean };

export default function AgentsPage({ onShowRooms }: { onShowRooms: () => void }) {
  const store = useStore();
  const admin = useChat((state) => state.me?.role === 'admin');
  const [screen, setScreen] = useState<Screen>({ name: 'list' });
  const [agents, setAgents] = useState<AgentRow[] | undefined>();
  const [usage, setUsage] = useState<UsageRow[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [deleting, setDeleting] = useState<AgentRow | undefined>();

  const reload = useCallback(async () => {
    try {
      const [listed, used] = await Promise.all([
        agentsApi.list(store.rest),
        admin ? agentsApi.usage(store.rest) : undefined,
      ]);
      setAgents(listed);
      setUsage(used);
      setError(undefined);
    } catch (failure) {
      setError(describeError(failure));
    }
  }, [store, admin]);
  useEffect(() => {
    if (screen.name === 'list') void reload();
  }, [screen, reload]);

  const act = useCallback(
    async (action: () => Promise<unknown>) => {
      try {
        await action();
        await reload();
      } catch (failure) {
        setError(describeError(failure));
      }
    },
    [reload],
  );

  const back = () => setScreen({ name: 'list' });
  const title =
    screen.name === 'add'
      ? 'Add an AI agent'
      : screen.name === 'edit'
        ? `Edit @${screen.handle}`
        : screen.name === 'connect'
          ? 'Connect an external agent'
          : screen.name === 'token'
            ? `Token for @${screen.handle}`
            : 'Agents';

  return (
    <main className="room-view page agents-page" aria-label={title}>
      <header className="room-header">
        <button type="button" className="icon menu" aria-label="Show rooms" onClick={onShowRooms}>
          <Menu size={20} aria-hidden="true" />
        </button>
        {screen.name !== 'list' && (
          <IconButton label="Back to the agents" className="agents-back" onClick={back}>
            <ArrowLeft size={18} aria-hidden="true" />
          </IconButton>
        )}
        <div className="room-title">
          <h2>{title}</h2>
          {screen.name === 'list' && (
            <p className="topic">
              {admin ? 'Every agent on this hub' : 'The agents you own'}: who is here, who runs them, what they spend
            </p>
          )}
        </div>
        {screen.name === 'list' && admin && (
          <div className="room-tools">
            <button type="button" className="ghost" onClick={() => setScreen({ name: 'connect' })}>
              <Plug aria-hidden size={16} /> <span className="wide-only">Connect an external agent</span>
              <span className="narrow-only">Connect</span>
            </button>
            <button type="button" className="primary" onClick={() => setScreen({ name: 'add' })}>
              <Plus aria-hidden size={16} /> <span className="wide-only">Add an AI agent</span>
              <span className="narrow-only">Add AI agent</span>
            </button>
          </div>
        )}
      </header>
      <div className="page-body">
        {screen.name === 'list' && (
          <>
            {error && (
              <p role="alert" className="agents-error">
                {error}
              </p>
            )}
            {agents === undefined ? (
              !error && <p className="hint">Loading agents…</p>
            ) : agents.length === 0 ? (
              <div className="card agents-empty">
                <Bot aria-hidden size={32} />
                <p>
                  {admin
                    ? 'No agents yet. Add an AI agent that this hub runs against any OpenAI-compatible model (Ollama, vLLM, OpenAI), or connect an agent that runs elsewhere with a token.'
                    : 'You own no agents. An admin adds agents to this hub.'}
                </p>
              </div>
            ) : (
              <AgentList
                agents={agents}
                admin={admin}
                onEdit={(agent) => setScreen({ name: 'edit', handle: agent.handle })}
                onToggle={(agent) => void act(() => agentsApi.setDisabled(store.rest, agent.handle, !agent.disabled))}
                onRotate={(agent) =>
                  void act(async () => {
                    const token = await agentsApi.rotate(store.rest, agent.handle);
                    setScreen({ name: 'token', handle: agent.handle, token, fresh: false });
                  })
                }
                onDelete={setDeleting}
              />
            )}
            {usage !== undefined && <AgentUsage rows={usage} />}
            {agents !== undefined && (
              <button type="button" className="ghost agents-refresh" onClick={() => void reload()}>
                <RefreshCw aria-hidden size={16} /> Refresh
              </button>
            )}
          </>
        )}
        {screen.name === 'add' && <AgentForm onDone={back} onCancel={back} />}
        {screen.name === 'edit' && <AgentForm handle={screen.handle} onDone={back} onCancel={back} />}
        {screen.name === 'connect' && (
          <ConnectAgent
            onCreated={(handle, token) => setScreen({ name: 'token', handle, token, fresh: true })}
            onCancel={back}
          />
        )}
        {screen.name === 'token' && (
          <TokenScreen handle={screen.handle} token={screen.token} fresh={screen.fresh} onDone={back} />
        )}
      </div>
      {deleting && (
        <Confirm
          title={`Delete @${deleting.handle}?`}
          action={`Delete @${deleting.handle}`}
          onClose={() => setDeleting(undefined)}
          onConfirm={() => void act(() => agentsApi.remove(store.rest, deleting.handle))}
        >
          <p>
            {deleting.kind === 'hosted' ? 'This hub stops running it and forgets its settings. ' : ''}
            Its tokens are revoked and it is disabled, so it can no longer connect or post.
          </p>
          <p>
            Its messages stay in their rooms under @{deleting.handle}, and the handle stays taken. An admin can enable
            it again later and give it a new token.
          </p>
        </Confirm>
      )}
    </main>
  );
}
