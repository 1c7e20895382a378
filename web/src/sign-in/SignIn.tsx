import { useState } from 'preact/hooks';
import { ApiError, api } from '../api/client.js';
import type { Role } from '../session.js';

/** Finds out whether a key is accepted, and whether it is an admin's (members get 403 on /admin). */
async function checkKey(key: string): Promise<Role> {
  await api('/chats?limit=1', { key, quiet401: true });
  try {
    await api('/admin/users?limit=1', { key, quiet401: true });
    return 'admin';
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) return 'member';
    throw error;
  }
}

export function SignIn(props: { notice: string | null; onSignedIn: (key: string, role: Role) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return;
    setBusy(true);
    setError(null);
    try {
      props.onSignedIn(trimmed, await checkKey(trimmed));
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? 'That API key was not accepted. Check it and try again.'
          : `Could not sign in: ${(e as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="sign-in">
      <form class="card" onSubmit={submit}>
        <h1>Sign in to Tally</h1>
        {props.notice && <p class="notice">{props.notice}</p>}
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={key}
          onInput={(e) => setKey((e.target as HTMLInputElement).value)}
          placeholder="tly_…"
          required
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p class="hint">
          On its first start Tally creates an admin and writes its key to <code>.data/admin-api-key</code> (the file{' '}
          <code>admin-api-key</code> under <code>DATA_DIR</code>), unless <code>ADMIN_API_KEY</code> was set. Run{' '}
          <code>cat .data/admin-api-key</code> and paste it here.
        </p>
        <p class="hint">The key stays in this tab only (session storage) and is forgotten when you sign out or close the tab.</p>
      </form>
    </main>
  );
}
