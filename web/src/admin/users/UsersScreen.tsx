import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../../api/client.js';
import type { CreatedUser, IssuedApiKey, User, UserPage } from '../../api/types.js';
import { AdminError } from '../AdminNotice.js';

interface ShownKey {
  id: string;
  key: string;
  email: string;
}

/** A new key, shown once: the server keeps only its digest, so this is the only time it can be copied. */
function NewKey({ shown, onDismiss }: { shown: ShownKey; onDismiss: () => void }) {
  return (
    <div class="new-key" role="status">
      <p>
        New API key for <strong>{shown.email}</strong>. Copy it now: it will not be shown again.
      </p>
      <span>
        New API key: <code class="secret">{shown.key}</code>
      </span>
      <button type="button" class="ghost small" onClick={() => navigator.clipboard.writeText(shown.key).catch(() => undefined)}>
        Copy key
      </button>
      <button type="button" class="ghost small" onClick={onDismiss}>
        Done
      </button>
    </div>
  );
}

export function UsersScreen() {
  const [users, setUsers] = useState<User[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [email, setEmail] = useState('');
  const [newRole, setNewRole] = useState<'member' | 'admin'>('member');
  const [shown, setShown] = useState<ShownKey | null>(null);
  /** Keys issued from this page (the API lists no keys), so they can be revoked here. */
  const [issued, setIssued] = useState<(ShownKey & { revoked: boolean })[]>([]);
  const [revokeId, setRevokeId] = useState('');
  const [message, setMessage] = useState<string | null>(null);

  const load = (after: string | null) =>
    api<UserPage>(`/admin/users${query({ limit: 50, cursor: after })}`).then(
      (page) => {
        setUsers((list) => (after ? [...list, ...page.items] : page.items));
        setCursor(page.next_cursor);
      },
      (e) => setError(e),
    );
  useEffect(() => {
    load(null);
  }, []);

  const remember = (key: ShownKey) => {
    setShown(key);
    setIssued((list) => [{ ...key, key: `${key.key.slice(0, 8)}…`, revoked: false }, ...list]);
  };

  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api<CreatedUser>('/admin/users', { method: 'POST', body: { email: email.trim(), role: newRole } });
      setUsers((list) => [...list, created.user]);
      remember({ id: created.api_key.id, key: created.api_key.key, email: created.user.email });
      setEmail('');
    } catch (e) {
      setError(e);
    }
  };

  const issue = async (user: User) => {
    setError(null);
    try {
      const key = await api<IssuedApiKey>(`/admin/users/${user.id}/api-keys`, { method: 'POST', body: {} });
      remember({ id: key.id, key: key.key, email: user.email });
    } catch (e) {
      setError(e);
    }
  };

  const revoke = async (id: string) => {
    setError(null);
    setMessage(null);
    try {
      await api(`/admin/api-keys/${id}`, { method: 'DELETE' });
      setIssued((list) => list.map((k) => (k.id === id ? { ...k, revoked: true } : k)));
      setMessage(`Key ${id} revoked.`);
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section class="screen">
      <h1>Users and API keys</h1>
      {error !== null && <AdminError error={error} />}
      {message && <p role="status">{message}</p>}
      {shown && <NewKey shown={shown} onDismiss={() => setShown(null)} />}
      <form class="inline-form" onSubmit={create} aria-label="Create a user">
        <label>
          Email <input type="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          <span id="new-user-role-label">Role</span>
          <select
            aria-labelledby="new-user-role-label"
            value={newRole}
            onChange={(e) => setNewRole((e.target as HTMLSelectElement).value as 'member' | 'admin')}
          >
            <option value="member">member</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Create user</button>
      </form>
      <table class="data">
        <caption class="sr-only">Users</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Created</th>
            <th scope="col">Id</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id}>
              <td>{u.email}</td>
              <td>{u.role}</td>
              <td>{new Date(u.created_at).toLocaleString()}</td>
              <td>
                <code>{u.id}</code>
              </td>
              <td>
                <button type="button" class="ghost small" onClick={() => issue(u)} aria-label={`Issue a key for ${u.email}`}>
                  Issue key
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cursor && (
        <button type="button" class="ghost" onClick={() => load(cursor)}>
          More users
        </button>
      )}
      <h2>Revoke a key</h2>
      {issued.length > 0 && (
        <ul class="issued-keys" aria-label="Keys issued here">
          {issued.map((k) => (
            <li key={k.id}>
              <code>{k.key}</code> for {k.email} <code class="muted">{k.id}</code>{' '}
              {k.revoked ? (
                <span class="muted">revoked</span>
              ) : (
                <button type="button" class="ghost small" onClick={() => revoke(k.id)} aria-label={`Revoke key ${k.id}`}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (revokeId.trim()) revoke(revokeId.trim());
        }}
      >
        <label>
          Key id{' '}
          <input
            value={revokeId}
            onInput={(e) => setRevokeId((e.target as HTMLInputElement).value)}
            placeholder="the key's id (uuid)"
          />
        </label>
        <button type="submit" class="danger">
          Revoke
        </button>
      </form>
    </section>
  );
}
