/**
 * The Account page, for everyone: display name, password, the notification level of channels one
 * joins, and one's API tokens (created with a name and shown once, listed, revoked).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { KeyRound, Menu as MenuIcon, Plus, Trash2 } from 'lucide-react';
import { Confirm } from '../components/Dialog.js';
import { oneOf, readable, record, records, text, date } from '../safe.js';
import { Avatar } from '../ui/Avatar.js';
import { toast } from '../ui/toast.js';
import { accountApi, problem } from './api.js';
import { ShownOnce } from './TokenOnce.js';
import '../styles/accounts.css';
import { NewPassword } from './NewPassword.js';

const LEVELS = ['all', 'mentions', 'muted'] as const;
type Level = (typeof LEVELS)[number];

interface Me {
  handle: string;
  displayName: string;
  role: string;
  kind: string;
  notifyDefault: Level;
  hasPassword: boolean;
}

interface TokenRow {
  id: string;
  name: string;
  created: Date | undefined;
}

export default function AccountPage({ onShowRooms }: { onShowRooms: () => void }) {
  const [me, setMe] = useState<Me | undefined>();
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = record(await accountApi().me());
      const member = record(answer.member);
      setMe({
        handle: text(member.handle) ?? '',
        displayName: text(member.display_name) ?? '',
        role: text(member.role) ?? 'member',
        kind: text(member.kind) ?? 'person',
        notifyDefault: oneOf(answer.notify_default, LEVELS) ?? 'mentions',
        hasPassword: answer.has_password === true,
      });
    } catch (caught) {
      setError(problem(caught));
    }
  }, []);
  useEffect(() => void load(), [load]);

  return (
    <main className="room-view page" aria-label="Account">
      <header className="room-header">
        <button type="button" className="icon menu" aria-label="Show rooms" onClick={onShowRooms}>
          <MenuIcon size={20} aria-hidden="true" />
        </button>
        <div className="room-title">
          <h2>Account</h2>
          <p className="topic">Your profile, password, notifications and API tokens</p>
        </div>
      </header>
      <div className="page-body">
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        {me && (
          <div className="account-page">
            <Profile me={me} onSaved={load} />
            <Password hasPassword={me.hasPassword} onChanged={load} />
            <Notifications level={me.notifyDefault} />
            <Tokens />
          </div>
        )}
      </div>
    </main>
  );
}

function Profile({ me, onSaved }: { me: Me; onSaved: () => void }) {
  const [name, setName] = useState(me.displayName);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    try {
      await accountApi().patch('/api/v1/me', { display_name: name.trim() });
      toast('Display name saved');
      onSaved();
    } catch (caught) {
      toast(problem(caught), 'error');
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card account-card" aria-labelledby="profile-title">
      <h3 id="profile-title">Profile</h3>
      <div className="profile-who">
        <Avatar handle={me.handle} kind={me.kind === 'agent' ? 'agent' : 'person'} />
        <div>
          <strong>{me.displayName || me.handle}</strong>
          <span className="hint">
            @{me.handle} · {me.role === 'admin' ? 'Admin' : 'Member'}
          </span>
        </div>
      </div>
      <form onSubmit={submit} className="account-form">
        <label className="field">
          <span>Display name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} required />
        </label>
        <small className="hint">Shown next to your messages. Your handle, @{me.handle}, stays the same.</small>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || name.trim() === me.displayName}>
            Save
          </button>
        </div>
      </form>
    </section>
  );
}

function Password({ hasPassword, onChanged }: { hasPassword: boolean; onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (next !== again) return setError('The two new passwords differ.');
    setBusy(true);
    try {
      const answer = record(
        await accountApi().post('/api/v1/me/password', {
          ...(hasPassword ? { current_password: current } : {}),
          new_password: next,
        }),
      );
      const others = Number(answer.revoked_sessions) || 0;
      toast(
        others > 0
          ? `Password changed; ${others} other ${others === 1 ? 'session was' : 'sessions were'} signed out`
          : 'Password changed',
      );
      setCurrent('');
      setNext('');
      setAgain('');
      onChanged();
    } catch (caught) {
      setError(problem(caught));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section className="card account-card" aria-labelledby="password-title">
      <h3 id="password-title">Password</h3>
      <form onSubmit={submit} className="account-form">
        {hasPassword && (
          <label className="field">
            <span>Current password</span>
            <input
              type="password"
              value={current}
              onChange={(event) => setCurrent(event.target.value)}
              autoComplete="current-password"
              required
            />
          </label>
        )}
        <NewPassword label="New password" value={next} onChange={setNext} />
        <NewPassword label="Repeat the new password" value={again} onChange={setAgain} />
        <small className="hint">
          At least 8 characters. Changing it signs you out everywhere else; this browser and your API tokens keep
          working.
        </small>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy}>
            <KeyRound size={16} aria-hidden="true" />
            {hasPassword ? 'Change password' : 'Set password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Notifications({ level }: { level: Level }) {
  const [value, setValue] = useState<Level>(level);
  async function change(next: Level) {
    const before = value;
    setValue(next);
    try {
      await accountApi().patch('/api/v1/me', { notify_default: next });
      toast('Saved: channels you join from now on start at this level');
    } catch (caught) {
      setValue(before);
      toast(problem(caught), 'error');
    }
  }
  return (
    <section className="card account-card" aria-labelledby="notify-title">
      <h3 id="notify-title">Notifications</h3>
      <label className="field">
        <span>Channels you join</span>
        <select value={value} onChange={(event) => void change(oneOf(event.target.value, LEVELS) ?? 'mentions')}>
          <option value="all">All messages</option>
          <option value="mentions">Mentions only</option>
          <option value="muted">Muted</option>
        </select>
      </label>
      <small className="hint">
        Where a new channel starts. Direct messages always notify you; each room’s level can be changed from its header.
      </small>
    </section>
  );
}

function Tokens() {
  const [tokens, setTokens] = useState<TokenRow[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; token: string } | undefined>();
  const [revoking, setRevoking] = useState<TokenRow | undefined>();
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = record(await accountApi().get('/api/v1/tokens'));
      setTokens(
        records(answer.tokens)
          // Sessions are the sign-ins of browsers and the CLI: a password change ends them, not this list.
          .filter((token) => token.kind === 'api' && token.revoked_at == null)
          .map((token) => ({ id: readable(token.id), name: readable(token.name), created: date(token.created_at) })),
      );
    } catch (caught) {
      setError(problem(caught));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const answer = record(await accountApi().post('/api/v1/tokens', { name: name.trim() }));
      const token = text(answer.token);
      if (token) setCreated({ name: name.trim(), token });
      setName('');
      await load();
    } catch (caught) {
      setError(problem(caught));
    }
  }

  async function revoke(token: TokenRow) {
    try {
      await accountApi().delete(`/api/v1/tokens/${encodeURIComponent(token.id)}`);
      toast(`Revoked “${token.name}”`);
      if (created?.name === token.name) setCreated(undefined);
      await load();
    } catch (caught) {
      toast(problem(caught), 'error');
    }
  }

  return (
    <section className="card account-card wide" aria-labelledby="tokens-title">
      <h3 id="tokens-title">API tokens</h3>
      <p className="hint">For scripts, the CLI and agents you run yourself. A token acts as you until you revoke it.</p>
      <form onSubmit={create} className="inline-form">
        <label className="field">
          <span>Token name</span>
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="e.g. laptop, deploy script"
            maxLength={100}
            required
          />
        </label>
        <button type="submit" className="primary">
          <Plus size={16} aria-hidden="true" />
          Create token
        </button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {created && (
        <ShownOnce
          label={`New token “${created.name}”`}
          value={created.token}
          note="Copy it now: it is shown only this once. Use it as ROUNDTABLE_TOKEN or as a Bearer token."
        />
      )}
      {tokens.length === 0 ? (
        <p className="hint empty">No API tokens yet.</p>
      ) : (
        <table className="table" aria-label="Your API tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.created ? token.created.toLocaleDateString() : ''}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="ghost danger-text"
                    aria-label={`Revoke ${token.name}`}
                    onClick={() => setRevoking(token)}
                  >
                    <Trash2 size={16} aria-hidden="true" />
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoking && (
        <Confirm
          title="Revoke this token?"
          action="Revoke"
          onConfirm={() => void revoke(revoking)}
          onClose={() => setRevoking(undefined)}
        >
          <p>
            Whatever uses “{revoking.name}” stops working at once, and its connections are closed. This cannot be
            undone.
          </p>
        </Confirm>
      )}
    </section>
  );
}
