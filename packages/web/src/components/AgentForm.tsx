/**
 * Add or edit an AI agent this hub runs: who it is, which OpenAI-compatible model speaks for it, its
 * key (stored as a secret, never shown again; left blank on an edit, the stored one stays), its
 * prompt, MCP tool servers with their allowlists and the tools that need approval or never run, and its budget. Test connection asks the model one
 * short prompt through the hub and shows the answer or the model's error word for word. Saving
 * starts the agent at once.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Plus, Trash2, Zap } from 'lucide-react';
import {
  agentsApi,
  describeError,
  emptyDraft,
  type AgentDraft,
  type ModelCheck,
  type ToolServer,
} from '../agents-api.js';
import { useStore } from '../use-chat.js';

/** Ollama's OpenAI-compatible endpoint on the hub's own machine: the example most people start from. */
const OLLAMA_URL = 'http://127.0.0.1:11434/v1';

export function AgentForm({
  handle,
  onDone,
  onCancel,
}: {
  /** The agent to edit; without it, a new one. */
  handle?: string;
  onDone: () => void;
  onCancel: () => void;
}) {
  const store = useStore();
  const editing = handle !== undefined;
  const [draft, setDraft] = useState<AgentDraft | undefined>(editing ? undefined : emptyDraft);
  const [error, setError] = useState<string | undefined>();
  const [check, setCheck] = useState<ModelCheck | 'checking' | undefined>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    if (!handle) return;
    agentsApi
      .definition(store.rest, handle)
      .then((found) => (found ? setDraft(found) : setError(`No definition for @${handle}.`)))
      .catch((failure: unknown) => setError(describeError(failure)));
  }, [store, handle]);

  if (!draft) {
    return error ? (
      <p role="alert" className="agents-error">
        {error}
      </p>
    ) : (
      <p className="hint">Loading @{handle}…</p>
    );
  }

  const set = (patch: Partial<AgentDraft>) => setDraft({ ...draft, ...patch });
  const setTool = (index: number, patch: Partial<ToolServer>) =>
    set({ tools: draft.tools.map((tool, at) => (at === index ? { ...tool, ...patch } : tool)) });

  async function testConnection() {
    if (!draft) return;
    setCheck('checking');
    try {
      setCheck(await agentsApi.check(store.rest, draft, editing));
    } catch (failure) {
      setCheck({ ok: false, error: describeError(failure) });
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    setSaving(true);
    setError(undefined);
    try {
      await agentsApi.save(store.rest, draft);
      onDone();
    } catch (failure) {
      setError(describeError(failure));
      setSaving(false);
    }
  }

  return (
    <form
      className="agent-form"
      onSubmit={(event) => void submit(event)}
      aria-label={editing ? `Edit @${handle}` : 'Add an AI agent'}
    >
      <section className="card">
        <h3>Who it is</h3>
        <label className="field">
          <span>Handle</span>
          <input
            required
            value={draft.handle}
            disabled={editing}
            pattern="[a-z0-9][a-z0-9_\-]{0,31}"
            maxLength={32}
            placeholder="helper"
            autoComplete="off"
            onChange={(event) => set({ handle: event.target.value.toLowerCase() })}
          />
          <small className="hint">
            How people mention it: @{draft.handle || 'helper'}. Lowercase letters, digits, _ and -.
          </small>
        </label>
        <label className="field">
          <span>Display name</span>
          <input
            value={draft.displayName}
            maxLength={64}
            placeholder="Helper"
            onChange={(event) => set({ displayName: event.target.value })}
          />
        </label>
        <label className="field">
          <span>Description</span>
          <input
            value={draft.description}
            maxLength={500}
            placeholder="Answers questions about the project"
            onChange={(event) => set({ description: event.target.value })}
          />
        </label>
      </section>

      <section className="card">
        <h3>Model</h3>
        <label className="field">
          <span>Base URL</span>
          <input
            required
            type="url"
            value={draft.baseUrl}
            placeholder={OLLAMA_URL}
            onChange={(event) => set({ baseUrl: event.target.value })}
          />
          <small className="hint">
            Any OpenAI-compatible endpoint. Ollama on this machine: {OLLAMA_URL}{' '}
            {!draft.baseUrl && (
              <button type="button" className="link" onClick={() => set({ baseUrl: OLLAMA_URL })}>
                Use it
              </button>
            )}
          </small>
        </label>
        <label className="field">
          <span>Model</span>
          <input
            required
            value={draft.model}
            placeholder="llama3.2"
            maxLength={200}
            onChange={(event) => set({ model: event.target.value })}
          />
        </label>
        <label className="field">
          <span>API key</span>
          <input
            type="password"
            value={draft.apiKey}
            autoComplete="new-password"
            placeholder={draft.hasStoredKey ? 'Stored; leave blank to keep it' : 'None (Ollama needs none)'}
            onChange={(event) => set({ apiKey: event.target.value })}
          />
          <small className="hint">Stored as a secret on the hub and never shown again.</small>
        </label>
        <div className="agent-check">
          <button
            type="button"
            disabled={!draft.baseUrl || !draft.model || check === 'checking'}
            onClick={() => void testConnection()}
          >
            <Zap aria-hidden size={16} /> {check === 'checking' ? 'Testing…' : 'Test connection'}
          </button>
          <div role="status" aria-live="polite" className="agent-check-result">
            {check !== undefined && check !== 'checking' && (
              <>
                <strong className={check.ok ? 'ok' : 'failed'}>
                  {check.ok ? 'The model answered:' : 'The model failed:'}
                </strong>
                <pre className="agent-check-text">{check.ok ? check.answer || '(an empty answer)' : check.error}</pre>
              </>
            )}
          </div>
        </div>
      </section>

      <section className="card">
        <h3>Behaviour</h3>
        <label className="field">
          <span>System prompt</span>
          <textarea
            rows={4}
            value={draft.systemPrompt}
            maxLength={20_000}
            onChange={(event) => set({ systemPrompt: event.target.value })}
          />
        </label>
        <fieldset className="agent-tools">
          <legend>MCP tool servers</legend>
          <small className="hint">
            A Streamable HTTP URL, or a command the hub starts (with its arguments). The allowlist names the tools the
            agent may call: * allows all, empty allows none. A call to a tool under “Ask first” waits for a person to
            approve it in the room; a tool under “Never run” is refused. Others run at once.
          </small>
          {draft.tools.map((tool, index) => (
            <div className="agent-tool" key={index} role="group" aria-label={`Tool server ${index + 1}`}>
              <label className="field">
                <span>Name</span>
                <input
                  value={tool.name}
                  placeholder="docs"
                  onChange={(event) => setTool(index, { name: event.target.value })}
                />
              </label>
              <label className="field">
                <span>URL or command</span>
                <input
                  value={tool.target}
                  placeholder="http://127.0.0.1:3000/mcp"
                  onChange={(event) => setTool(index, { target: event.target.value })}
                />
              </label>
              <label className="field">
                <span>Allowed tools</span>
                <input
                  value={tool.allow}
                  placeholder="search_docs, read_page"
                  onChange={(event) => setTool(index, { allow: event.target.value })}
                />
              </label>
              <label className="field">
                <span>Ask first</span>
                <input
                  value={tool.ask}
                  placeholder="delete_page"
                  onChange={(event) => setTool(index, { ask: event.target.value })}
                />
              </label>
              <label className="field">
                <span>Never run</span>
                <input
                  value={tool.deny}
                  placeholder="drop_database"
                  onChange={(event) => setTool(index, { deny: event.target.value })}
                />
              </label>
              <button
                type="button"
                className="ghost icon danger"
                aria-label={`Remove tool server ${tool.name || index + 1}`}
                onClick={() => set({ tools: draft.tools.filter((_, at) => at !== index) })}
              >
                <Trash2 aria-hidden size={16} />
              </button>
            </div>
          ))}
          <button
            type="button"
            className="ghost"
            onClick={() =>
              set({ tools: [...draft.tools, { name: '', target: '', allow: '', ask: '', deny: '', rest: {} }] })
            }
          >
            <Plus aria-hidden size={16} /> Add a tool server
          </button>
        </fieldset>
      </section>

      <section className="card">
        <h3>Budget</h3>
        <div className="agent-budget">
          <label className="field">
            <span>Tokens per room per hour</span>
            <input
              type="number"
              min={1}
              value={draft.tokensPerRoomPerHour}
              onChange={(event) => set({ tokensPerRoomPerHour: event.target.value })}
            />
          </label>
          <label className="field">
            <span>Most tokens per reply</span>
            <input
              type="number"
              min={1}
              value={draft.maxTokensPerReply}
              onChange={(event) => set({ maxTokensPerReply: event.target.value })}
            />
          </label>
        </div>
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
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Starting…' : editing ? 'Save and restart' : 'Save and start'}
        </button>
      </div>
    </form>
  );
}
