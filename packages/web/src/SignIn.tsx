/** Sign in with handle and password, register, or paste a token. */
import { useState, type FormEvent } from 'react';
import { RestClient, RoundtableError } from '@roundtable/client';

type Mode = 'login' | 'register' | 'token';

export function SignIn({ onToken }: { onToken: (token: string) => void }) {
  const [mode, setMode] = useState<Mode>('login');
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (mode === 'token') {
      onToken(token.trim());
      return;
    }
    setBusy(true);
    try {
      const rest = new RestClient({ url: window.location.origin });
      const result =
        mode === 'login' ? await rest.login({ handle, password }) : await rest.register({ handle, password });
      onToken(result.token);
    } catch (caught) {
      setError(caught instanceof RoundtableError ? caught.message : 'The hub could not be reached.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <h1>Roundtable</h1>
      <div className="tabs" role="tablist" aria-label="How to sign in">
        {(['login', 'register', 'token'] as const).map((option) => (
          <button
            key={option}
            role="tab"
            aria-selected={mode === option}
            className={mode === option ? 'tab active' : 'tab'}
            onClick={() => setMode(option)}
            type="button"
          >
            {option === 'login' ? 'Sign in' : option === 'register' ? 'Register' : 'Paste a token'}
          </button>
        ))}
      </div>
      <form onSubmit={submit}>
        {mode === 'token' ? (
          <label>
            Token
            <input value={token} onChange={(e) => setToken(e.target.value)} placeholder="rt_…" autoComplete="off" />
          </label>
        ) : (
          <>
            <label>
              Handle
              <input value={handle} onChange={(e) => setHandle(e.target.value.toLowerCase())} autoComplete="username" />
            </label>
            <label>
              Password
              <input
                type="password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
              />
            </label>
          </>
        )}
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'login' ? 'Sign in' : mode === 'register' ? 'Create account' : 'Use token'}
        </button>
      </form>
    </main>
  );
}
