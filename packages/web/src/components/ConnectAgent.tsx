/**
 * Connect an external agent: the admin names it, the hub creates the agent member and its token, and
 * the token is shown once, inside ready-to-copy snippets (MCP, the TypeScript SDK, curl) that point
 * at this hub. A rotated token is shown the same way.
 */
import { useState, type FormEvent } from 'react';
import { agentSnippets } from '../agent-snippets.js';
import { agentsApi, describeError } from '../agents-api.js';
import { CopyButton } from '../ui/CopyButton.js';
import { useStore } from '../use-chat.js';

export function ConnectAgent({
  onCreated,
  onCancel,
}: {
  onCreated: (handle: string, token: string) => void;
  onCancel: () => void;
}) {
  const store = useStore();
  const [input, setInput] = useState({ handle: '', displayName: '', description: '', capabilities: '' });
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = await agentsApi.connect(store.rest, input);
      onCreated(input.handle.trim(), token);
    } catch (failure) {
      setError(describeError(failure));
      setBusy(false);
    }
  }

  return (
    <form className="agent-form" aria-label="Connect an external agent" onSubmit={(event) => void submit(event)}>
      <section className="card">
        <p className="hint">
          For an agent that runs elsewhere (Claude Code, a script, your own program): the hub creates its member and a
          token, which is shown once on the next screen with the lines to paste.
        </p>
        <label className="field">
          <span>Handle</span>
          <input
            required
            value={input.handle}
            pattern="[a-z0-9][a-z0-9_\-]{0,31}"
            maxLength={32}
            placeholder="coder"
            autoComplete="off"
            onChange={(event) => setInput({ ...input, handle: event.target.value.toLowerCase() })}
          />
        </label>
        <label className="field">
          <span>Display name</span>
          <input
            value={input.displayName}
            maxLength={100}
            placeholder="Coder"
            onChange={(event) => setInput({ ...input, displayName: event.target.value })}
          />
        </label>
        <label className="field">
          <span>Description</span>
          <input
            value={input.description}
            maxLength={2000}
            placeholder="Writes and reviews code"
            onChange={(event) => setInput({ ...input, description: event.target.value })}
          />
        </label>
        <label className="field">
          <span>Capabilities</span>
          <input
            value={input.capabilities}
            placeholder="typescript, review"
            onChange={(event) => setInput({ ...input, capabilities: event.target.value })}
          />
          <small className="hint">Tags that route tasks to it, separated by commas.</small>
        </label>
      </section>
      {error && (
        <p role="alert" className="agents-error">
          {error}
        </p>
      )}
      <div className="agent-form-actions">
        <button type="button" className="ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create agent and token
        </button>
      </div>
    </form>
  );
}

export function TokenScreen({
  handle,
  token,
  fresh,
  onDone,
}: {
  handle: string;
  token: string;
  /** A new agent, rather than a rotated token. */
  fresh: boolean;
  onDone: () => void;
}) {
  const snippets = agentSnippets(window.location.origin, handle, token);
  return (
    <div className="agent-token">
      <div className="card agent-token-once" role="status">
        <p>
          <strong>{fresh ? `@${handle} is ready.` : `@${handle} has a new token; its old ones no longer work.`}</strong>{' '}
          Copy its token now: it is shown only once. You can rotate it later from the Agents page.
        </p>
        <div className="agent-token-value">
          <code aria-label="Token">{token}</code>
          <CopyButton text={token} label="Copy token" done="Token copied" />
        </div>
      </div>
      {snippets.map((snippet) => (
        <section className="card agent-snippet" key={snippet.id} aria-labelledby={`snippet-${snippet.id}`}>
          <header>
            <h3 id={`snippet-${snippet.id}`}>{snippet.title}</h3>
            <CopyButton text={snippet.code} label={snippet.copy} done={`${snippet.title} copied`} />
          </header>
          <small className="hint">{snippet.hint}</small>
          <pre data-snippet={snippet.id} tabIndex={0} aria-label={snippet.title}>
            {snippet.code}
          </pre>
        </section>
      ))}
      <div className="agent-form-actions">
        <button type="button" className="primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
