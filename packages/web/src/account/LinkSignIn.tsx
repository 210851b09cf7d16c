/**
 * The screen a setup link (`/setup#<code>`) or an invite link (`/invite#<code>`) opens: it says whom
 * the link is for, asks for a new password, and signs that member in. The code travels in the URL's
 * fragment, which browsers never send to a server, and is cleared from the address bar once used.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { KeyRound } from 'lucide-react';
import { RestClient, RoundtableError } from '@roundtable/client';
import { record, text } from '../safe.js';
import '../styles/accounts.css';
import { NewPassword } from './NewPassword.js';

export type LinkPurpose = 'setup' | 'invite';

/** The purpose of the link the page was opened with, if it is one. */
export function linkPurpose(path: string): LinkPurpose | undefined {
  return path === '/setup' ? 'setup' : path === '/invite' ? 'invite' : undefined;
}

/** `why` is undefined for a link used or expired, which the screen explains itself; else the error's own words. */
type Loaded =
  { state: 'checking' } | { state: 'ready'; handle: string; name: string } | { state: 'dead'; why: string | undefined };

export function LinkSignIn({
  purpose,
  code,
  onToken,
  onSignIn,
}: {
  purpose: LinkPurpose;
  code: string;
  onToken: (token: string) => void;
  onSignIn: () => void;
}) {
  const [loaded, setLoaded] = useState<Loaded>({ state: 'checking' });
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    const rest = new RestClient({ url: window.location.origin });
    const checked = code
      ? rest.post<unknown>('/api/v1/auth/code/check', { code, purpose })
      : Promise.reject(new RoundtableError('link_expired', 'This link has no code.'));
    checked.then(
      (answer) => {
        const member = record(record(answer).member);
        const handle = text(member.handle) ?? '';
        if (live) setLoaded({ state: 'ready', handle, name: text(member.display_name) ?? handle });
      },
      (caught: unknown) => live && setLoaded({ state: 'dead', why: failure(caught) }),
    );
    return () => {
      live = false;
    };
  }, [code, purpose]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (password !== again) return setError('The two passwords differ.');
    setBusy(true);
    try {
      const rest = new RestClient({ url: window.location.origin });
      const result = await rest.post<unknown>('/api/v1/auth/code', { code, purpose, password });
      const token = text(record(result).token);
      if (!token) throw new RoundtableError('internal', 'The hub answered without a token.');
      onToken(token);
    } catch (caught) {
      const why = failure(caught);
      if (why === undefined) setLoaded({ state: 'dead', why });
      else setError(why);
    } finally {
      setBusy(false);
    }
  }

  const title = purpose === 'setup' ? 'Set your password' : 'Welcome to Roundtable';
  return (
    <main className="sign-in link-sign-in" aria-labelledby="link-title">
      <div className="link-icon" aria-hidden="true">
        <KeyRound size={22} />
      </div>
      <h1 id="link-title">{title}</h1>
      {loaded.state === 'checking' && <p className="hint">Checking the link…</p>}
      {loaded.state === 'dead' && (
        <>
          <div role="alert" className="link-dead">
            {loaded.why !== undefined ? (
              <p>{loaded.why}</p>
            ) : purpose === 'setup' ? (
              <>
                <p>
                  <strong>This setup link was used or has expired.</strong> A setup link works once, within an hour.
                </p>
                <p>
                  On the machine that runs the hub, run <code>npx roundtable setup-link</code> and open the link it
                  prints. If you already chose a password, sign in with it.
                </p>
              </>
            ) : (
              <>
                <p>
                  <strong>This invite link was used or has expired.</strong> An invite link works once, within 7 days.
                </p>
                <p>Ask an admin of this hub to invite you again. If you already chose a password, sign in with it.</p>
              </>
            )}
          </div>
          <button type="button" className="primary" onClick={onSignIn}>
            Go to sign in
          </button>
        </>
      )}
      {loaded.state === 'ready' && (
        <form onSubmit={submit}>
          <p className="link-lead">
            {purpose === 'setup' ? (
              <>
                Choose the password of <strong>@{loaded.handle}</strong>, this hub’s admin. You will sign in with your
                handle and this password from now on.
              </>
            ) : (
              <>
                You were invited as <strong>{loaded.name}</strong> (@{loaded.handle}). Choose a password to finish.
              </>
            )}
          </p>
          {/* For password managers: the handle the new password belongs to. */}
          <input type="text" hidden readOnly value={loaded.handle} autoComplete="username" aria-hidden="true" />
          <NewPassword label="New password" value={password} onChange={setPassword} autoFocus />
          <NewPassword label="Repeat the password" value={again} onChange={setAgain} />
          <small className="hint">At least 8 characters. This link works once.</small>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {purpose === 'setup' ? 'Set password and sign in' : 'Set password and join'}
          </button>
        </form>
      )}
    </main>
  );
}

/** Undefined for a link that was used or has expired; else what went wrong, in words. */
function failure(caught: unknown): string | undefined {
  if (caught instanceof RoundtableError) return caught.code === 'link_expired' ? undefined : caught.message;
  return 'The hub could not be reached.';
}
