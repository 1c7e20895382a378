import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api/client.js';
import type { TurnInspection } from '../../api/types.js';
import { formatUsd, tierLabel } from '../../receipts/format.js';
import { navigate } from '../../router.js';
import { AdminError } from '../AdminNotice.js';

/**
 * One turn's messages, routing-log rows and anonymization record. Message text is deliberately not
 * shown: the point is what left the system (placeholders and counts), never the original values.
 */
export function TurnScreen({ messageId }: { messageId: string | null }) {
  const [input, setInput] = useState(messageId ?? '');
  const [turn, setTurn] = useState<TurnInspection | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setInput(messageId ?? '');
    setTurn(null);
    setError(null);
    if (!messageId) return;
    let live = true;
    api<TurnInspection>(`/admin/turns/${encodeURIComponent(messageId)}`).then(
      (t) => live && setTurn(t),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [messageId]);

  const anon = turn?.anonymization ?? null;
  const counts = Object.entries(anon?.entity_counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section class="screen">
      <h1>Turn inspector</h1>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (input.trim()) navigate(`/admin/turns/${input.trim()}`);
        }}
      >
        <label>
          Assistant message id <input value={input} onInput={(e) => setInput((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Inspect</button>
      </form>
      {error !== null && <AdminError error={error} />}
      {turn && (
        <>
          <section aria-labelledby="anon-heading">
            <h2 id="anon-heading">Anonymization</h2>
            {anon ? (
              <dl class="facts">
                <dt>Applied</dt>
                <dd>{anon.applied ? 'yes' : 'no'}</dd>
                <dt>Skip reason</dt>
                <dd>{anon.skip_reason ?? '—'}</dd>
                <dt>Completion</dt>
                <dd>
                  <code>{anon.completion_id}</code>
                </dd>
              </dl>
            ) : (
              <p class="muted">No routing-log row carries this message id.</p>
            )}
            {anon && (
              <table class="data" aria-label="Entities by type">
                <thead>
                  <tr>
                    <th scope="col">Entity type</th>
                    <th scope="col">Count</th>
                  </tr>
                </thead>
                <tbody>
                  {counts.length === 0 && (
                    <tr>
                      <td colSpan={2} class="muted">
                        No entities were replaced.
                      </td>
                    </tr>
                  )}
                  {counts.map(([type, n]) => (
                    <tr key={type}>
                      <td>{type}</td>
                      <td>{n}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {anon && anon.placeholders_used.length > 0 && (
              <p>
                Placeholders sent to the provider:{' '}
                {anon.placeholders_used.map((p) => (
                  <code key={p} class="placeholder">
                    {p}
                  </code>
                ))}
              </p>
            )}
          </section>
          <section aria-labelledby="messages-heading">
            <h2 id="messages-heading">Messages</h2>
            {turn.messages.length === 0 && <p class="muted">A direct API completion: no chat messages.</p>}
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Role</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Model</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Content</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {turn.messages.map((m) => (
                  <tr key={m.id}>
                    <td>{m.role}</td>
                    <td>{m.kind}</td>
                    <td>{m.routed_model ?? m.requested_model ?? '—'}</td>
                    <td>
                      {m.prompt_tokens !== null || m.completion_tokens !== null
                        ? `${m.prompt_tokens ?? '?'}→${m.completion_tokens ?? '?'}`
                        : '—'}
                    </td>
                    <td class="muted">{m.content.length} characters (not shown)</td>
                    <td>{m.error_code ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section aria-labelledby="rows-heading">
            <h2 id="rows-heading">Routing-log rows</h2>
            {turn.routing_log_truncated && <p class="muted">Only the newest 100 rows are shown.</p>}
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Provider / model</th>
                  <th scope="col">Tier</th>
                  <th scope="col">Tokens</th>
                  <th scope="col">Cost</th>
                  <th scope="col">Fallbacks</th>
                </tr>
              </thead>
              <tbody>
                {turn.routing_log.map((row) => (
                  <tr key={row.id}>
                    <td>{new Date(row.timestamp).toLocaleString()}</td>
                    <td>
                      {row.outcome}
                      {row.refusal_reason && <div class="muted small-text">{row.refusal_reason}</div>}
                    </td>
                    <td>
                      {row.routed_provider} / {row.routed_model}
                    </td>
                    <td>{tierLabel(row.routed_inference_tier)}</td>
                    <td>
                      {row.tokens_in ?? '?'}→{row.tokens_out ?? '?'}
                    </td>
                    <td>{formatUsd(row.cost_usd)}</td>
                    <td>
                      {row.fallbacks.length === 0
                        ? 'none'
                        : row.fallbacks.map((f) => `${f.provider}/${f.model}: ${f.reason}`).join('; ')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </>
      )}
    </section>
  );
}
