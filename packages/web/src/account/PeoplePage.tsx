/**
 * The People page, for admins: add a person (with a one-time invite link or a first password), set
 * roles, disable and enable accounts, revoke a member's tokens, and keep the denylist.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { Ban, Menu as MenuIcon, UserPlus } from 'lucide-react';
import { Confirm, Dialog } from '../components/Dialog.js';
import { readable, record, records, text } from '../safe.js';
import { Avatar } from '../ui/Avatar.js';
import { toast } from '../ui/toast.js';
import { accountApi, problem } from './api.js';
import { ShownOnce } from './TokenOnce.js';
import '../styles/accounts.css';
import { NewPassword } from './NewPassword.js';

interface Person {
  handle: string;
  name: string;
  role: 'admin' | 'member';
  disabled: boolean;
}

interface Denied {
  handle: string;
  reason: string;
  by: string;
}

type Asking = { what: 'revoke' | 'disable'; person: Person } | undefined;

export default function PeoplePage({ me, onShowRooms }: { me: string; onShowRooms: () => void }) {
  const [people, setPeople] = useState<Person[]>([]);
  const [adding, setAdding] = useState(false);
  const [asking, setAsking] = useState<Asking>();
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = record(await accountApi().get('/api/v1/members', { kind: 'person' }));
      setPeople(
        records(answer.members).map((member) => ({
          handle: readable(member.handle),
          name: text(member.display_name) ?? readable(member.handle),
          role: member.role === 'admin' ? 'admin' : 'member',
          disabled: member.disabled === true,
        })),
      );
    } catch (caught) {
      setError(problem(caught));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function change(person: Person, patch: { role?: 'admin' | 'member'; disabled?: boolean }, done: string) {
    try {
      await accountApi().patch(`/api/v1/members/${encodeURIComponent(person.handle)}`, patch);
      toast(done);
      await load();
    } catch (caught) {
      toast(problem(caught), 'error');
    }
  }

  async function revokeTokens(person: Person) {
    try {
      const answer = record(await accountApi().delete(`/api/v1/members/${encodeURIComponent(person.handle)}/tokens`));
      const count = Number(answer.revoked) || 0;
      toast(`Revoked ${count} ${count === 1 ? 'token' : 'tokens'} of @${person.handle}`);
    } catch (caught) {
      toast(problem(caught), 'error');
    }
  }

  return (
    <main className="room-view page" aria-label="People">
      <header className="room-header">
        <button type="button" className="icon menu" aria-label="Show rooms" onClick={onShowRooms}>
          <MenuIcon size={20} aria-hidden="true" />
        </button>
        <div className="room-title">
          <h2>People</h2>
          <p className="topic">Who may sign in to this hub, and what they may do</p>
        </div>
        <button type="button" className="primary" aria-label="Add a person" onClick={() => setAdding(true)}>
          <UserPlus size={16} aria-hidden="true" />
          <span className="people-add-text">Add a person</span>
        </button>
      </header>
      <div className="page-body">
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="account-page">
          <section className="card account-card wide" aria-labelledby="people-title">
            <h3 id="people-title">People ({people.length})</h3>
            <div className="table-scroll">
              <table className="table people-table" aria-label="People">
                <thead>
                  <tr>
                    <th scope="col">Person</th>
                    <th scope="col">Role</th>
                    <th scope="col">Status</th>
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {people.map((person) => {
                    const self = person.handle === me;
                    return (
                      <tr key={person.handle} className={person.disabled ? 'disabled' : undefined}>
                        <td>
                          <span className="person">
                            <Avatar handle={person.handle} size="s" />
                            <span className="person-names">
                              <strong>{person.name}</strong>
                              <span className="hint">
                                @{person.handle}
                                {self ? ' · you' : ''}
                              </span>
                            </span>
                          </span>
                        </td>
                        <td>
                          <select
                            aria-label={`Role of @${person.handle}`}
                            value={person.role}
                            disabled={self}
                            onChange={(event) =>
                              void change(
                                person,
                                { role: event.target.value === 'admin' ? 'admin' : 'member' },
                                `@${person.handle} is now ${event.target.value === 'admin' ? 'an admin' : 'a member'}`,
                              )
                            }
                          >
                            <option value="member">Member</option>
                            <option value="admin">Admin</option>
                          </select>
                        </td>
                        <td>
                          <span className={`status-pill ${person.disabled ? 'off' : 'on'}`}>
                            {person.disabled ? 'Disabled' : 'Active'}
                          </span>
                        </td>
                        <td className="row-actions">
                          {!self &&
                            (person.disabled ? (
                              <button
                                type="button"
                                className="ghost"
                                aria-label={`Enable @${person.handle}`}
                                onClick={() => void change(person, { disabled: false }, `@${person.handle} is enabled`)}
                              >
                                Enable
                              </button>
                            ) : (
                              <button
                                type="button"
                                className="ghost"
                                aria-label={`Disable @${person.handle}`}
                                onClick={() => setAsking({ what: 'disable', person })}
                              >
                                Disable
                              </button>
                            ))}
                          <button
                            type="button"
                            className="ghost danger-text"
                            aria-label={`Revoke tokens of @${person.handle}`}
                            onClick={() => setAsking({ what: 'revoke', person })}
                          >
                            Revoke tokens
                          </button>
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </section>
          <Denylist />
        </div>
      </div>
      {adding && <AddPerson onClose={() => setAdding(false)} onAdded={() => void load()} />}
      {asking?.what === 'disable' && (
        <Confirm
          title={`Disable @${asking.person.handle}?`}
          action="Disable"
          onConfirm={() => void change(asking.person, { disabled: true }, `@${asking.person.handle} is disabled`)}
          onClose={() => setAsking(undefined)}
        >
          <p>They are signed out at once and cannot sign in or post until an admin enables them again.</p>
        </Confirm>
      )}
      {asking?.what === 'revoke' && (
        <Confirm
          title={`Revoke every token of @${asking.person.handle}?`}
          action="Revoke tokens"
          onConfirm={() => void revokeTokens(asking.person)}
          onClose={() => setAsking(undefined)}
        >
          <p>
            Their sessions and API tokens stop working at once. They can sign in again with their password; scripts need
            new tokens.
          </p>
        </Confirm>
      )}
    </main>
  );
}

function AddPerson({ onClose, onAdded }: { onClose: () => void; onAdded: () => void }) {
  const [handle, setHandle] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<'member' | 'admin'>('member');
  const [how, setHow] = useState<'invite' | 'password'>('invite');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [link, setLink] = useState<string | undefined>();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    const person = { handle: handle.trim().replace(/^@/, ''), display_name: name.trim() || undefined, role };
    try {
      if (how === 'invite') {
        const answer = record(await accountApi().post('/api/v1/invites', person));
        setLink(`${window.location.origin}/invite#${readable(answer.code)}`);
      } else {
        await accountApi().post('/api/v1/members', { ...person, kind: 'person', password });
        toast(`@${person.handle} can sign in now with the password you chose`);
        onClose();
      }
      onAdded();
    } catch (caught) {
      setError(problem(caught));
    } finally {
      setBusy(false);
    }
  }

  if (link) {
    return (
      <Dialog label="Invite link" onClose={onClose}>
        <div className="stack">
          <ShownOnce
            label={`Invite link for @${handle.trim().replace(/^@/, '')}`}
            value={link}
            note="Send it to them yourself. It works once, for 7 days, and is shown only now."
          />
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog label="Add a person" onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label className="field">
          <span>Handle</span>
          <input
            value={handle}
            onChange={(event) => setHandle(event.target.value.toLowerCase())}
            placeholder="e.g. ada"
            autoComplete="off"
            maxLength={32}
            required
          />
        </label>
        <label className="field">
          <span>Display name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(event) => setRole(event.target.value === 'admin' ? 'admin' : 'member')}>
            <option value="member">Member</option>
            <option value="admin">Admin</option>
          </select>
        </label>
        <fieldset className="choice">
          <legend>How they sign in the first time</legend>
          <label className="field inline">
            <input type="radio" name="how" checked={how === 'invite'} onChange={() => setHow('invite')} />
            <span>A one-time invite link: they choose their password</span>
          </label>
          <label className="field inline">
            <input type="radio" name="how" checked={how === 'password'} onChange={() => setHow('password')} />
            <span>A first password that you choose</span>
          </label>
        </fieldset>
        {how === 'password' && <NewPassword label="First password" value={password} onChange={setPassword} />}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {how === 'invite' ? 'Create invite link' : 'Add person'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Denylist() {
  const [entries, setEntries] = useState<Denied[]>([]);
  const [handle, setHandle] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const answer = record(await accountApi().get('/api/v1/denylist'));
      setEntries(
        records(answer.denylist).map((entry) => ({
          handle: readable(entry.handle),
          reason: text(entry.reason) ?? '',
          by: text(entry.created_by) ?? '',
        })),
      );
    } catch (caught) {
      setError(problem(caught));
    }
  }, []);
  useEffect(() => void load(), [load]);

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const who = handle.trim().replace(/^@/, '');
    try {
      await accountApi().put(`/api/v1/denylist/${encodeURIComponent(who)}`, { reason: reason.trim() });
      toast(`@${who} may no longer post`);
      setHandle('');
      setReason('');
      await load();
    } catch (caught) {
      setError(problem(caught));
    }
  }

  async function remove(entry: Denied) {
    try {
      await accountApi().delete(`/api/v1/denylist/${encodeURIComponent(entry.handle)}`);
      toast(`@${entry.handle} may post again`);
      await load();
    } catch (caught) {
      toast(problem(caught), 'error');
    }
  }

  return (
    <section className="card account-card wide" aria-labelledby="denylist-title">
      <h3 id="denylist-title">
        <Ban size={16} aria-hidden="true" /> Denylist
      </h3>
      <p className="hint">Handles on the denylist may still read, but may not post anywhere.</p>
      <form onSubmit={add} className="inline-form">
        <label className="field">
          <span>Handle</span>
          <input value={handle} onChange={(event) => setHandle(event.target.value)} maxLength={33} required />
        </label>
        <label className="field grow">
          <span>Reason</span>
          <input value={reason} onChange={(event) => setReason(event.target.value)} maxLength={500} />
        </label>
        <button type="submit">Add to denylist</button>
      </form>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {entries.length === 0 ? (
        <p className="hint empty">Nobody is on the denylist.</p>
      ) : (
        <table className="table" aria-label="Denylist">
          <thead>
            <tr>
              <th scope="col">Handle</th>
              <th scope="col">Reason</th>
              <th scope="col">Added by</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.handle}>
                <td>@{entry.handle}</td>
                <td>{entry.reason}</td>
                <td>{entry.by ? `@${entry.by}` : ''}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="ghost"
                    aria-label={`Remove @${entry.handle} from the denylist`}
                    onClick={() => void remove(entry)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
