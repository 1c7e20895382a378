import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../../api/client.js';
import type { RoutingLogPage, RoutingLogRow } from '../../api/types.js';
import { Link } from '../../Link.js';
import { formatEntityCounts, formatUsd, tierLabel } from '../../receipts/format.js';
import { AdminError } from '../AdminNotice.js';
import { EMPTY_FILTERS, filterParams, OUTCOMES, type RoutingLogFilters } from './filters.js';

const PAGE_SIZE = 50;

function Text(props: {
  name: keyof RoutingLogFilters;
  label: string;
  filters: RoutingLogFilters;
  set: (f: RoutingLogFilters) => void;
  type?: string;
}) {
  return (
    <label class="field">
      <span id={`rl-${props.name}-label`}>{props.label}</span>
      <input
        aria-labelledby={`rl-${props.name}-label`}
        type={props.type ?? 'text'}
        value={props.filters[props.name]}
        onInput={(e) => props.set({ ...props.filters, [props.name]: (e.target as HTMLInputElement).value })}
      />
    </label>
  );
}

function Choice(props: {
  name: keyof RoutingLogFilters;
  label: string;
  options: readonly string[];
  filters: RoutingLogFilters;
  set: (f: RoutingLogFilters) => void;
}) {
  return (
    <label class="field">
      <span id={`rl-${props.name}-label`}>{props.label}</span>
      <select
        aria-labelledby={`rl-${props.name}-label`}
        value={props.filters[props.name]}
        onChange={(e) => props.set({ ...props.filters, [props.name]: (e.target as HTMLSelectElement).value })}
      >
        <option value="">any</option>
        {props.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );
}

export function RoutingLogScreen() {
  const [draft, setDraft] = useState<RoutingLogFilters>(EMPTY_FILTERS);
  const [applied, setApplied] = useState<RoutingLogFilters>(EMPTY_FILTERS);
  /** Cursors of the pages before the current one, so "Previous page" can go back. */
  const [trail, setTrail] = useState<(string | null)[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [page, setPage] = useState<RoutingLogPage | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    api<RoutingLogPage>(`/admin/routing-log${query({ ...filterParams(applied), limit: PAGE_SIZE, cursor })}`).then(
      (p) => live && setPage(p),
      (e) => {
        if (!live) return;
        setPage(null);
        setError(e);
      },
    );
    return () => {
      live = false;
    };
  }, [applied, cursor]);

  const apply = (event: Event) => {
    event.preventDefault();
    setTrail([]);
    setCursor(null);
    setApplied(draft);
  };

  const f = { filters: draft, set: setDraft };
  return (
    <section class="screen">
      <h1>Routing log</h1>
      <form class="filters" onSubmit={apply} aria-label="Routing log filters">
        <Choice name="outcome" label="Outcome" options={OUTCOMES} {...f} />
        <Choice name="tier" label="Tier" options={['1', '2', '3', '4', '5']} {...f} />
        <Choice name="refused" label="Refused" options={['true', 'false']} {...f} />
        <Choice name="anonymized" label="Anonymized" options={['true', 'false']} {...f} />
        <Text name="provider" label="Provider" {...f} />
        <Text name="model" label="Model" {...f} />
        <Text name="chat_id" label="Chat id" {...f} />
        <Text name="message_id" label="Message id" {...f} />
        <Text name="user_id" label="User id" {...f} />
        <Text name="request_id" label="Request id" {...f} />
        <Text name="since" label="Since" type="datetime-local" {...f} />
        <Text name="until" label="Until" type="datetime-local" {...f} />
        <div class="filter-actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            class="ghost"
            onClick={() => {
              setDraft(EMPTY_FILTERS);
              setTrail([]);
              setCursor(null);
              setApplied(EMPTY_FILTERS);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {error !== null && <AdminError error={error} />}
      {page && (
        <>
          <table class="data">
            <caption class="sr-only">Routing-log rows, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Outcome</th>
                <th scope="col">Provider / model</th>
                <th scope="col">Tier</th>
                <th scope="col">Tokens</th>
                <th scope="col">Cost</th>
                <th scope="col">Anonymization</th>
                <th scope="col">Turn</th>
              </tr>
            </thead>
            <tbody>
              {page.items.length === 0 && (
                <tr>
                  <td colSpan={8} class="muted">
                    No rows match.
                  </td>
                </tr>
              )}
              {page.items.map((row: RoutingLogRow) => (
                <tr key={row.id}>
                  <td>
                    <time dateTime={row.timestamp}>{new Date(row.timestamp).toLocaleString()}</time>
                  </td>
                  <td>
                    <span class={`outcome outcome-${row.outcome}`}>{row.outcome}</span>
                    {row.refusal_reason && <div class="muted small-text">{row.refusal_reason}</div>}
                    {row.error_code && <div class="muted small-text">{row.error_code}</div>}
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
                    {row.anonymization_applied
                      ? `applied · ${formatEntityCounts(row.anonymized_entities)}`
                      : (row.anonymization_skip_reason ?? 'not applied')}
                  </td>
                  <td>
                    {row.message_id ? <Link to={`/admin/turns/${row.message_id}`}>Inspect</Link> : <span class="muted">—</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <div class="pager">
            <button
              type="button"
              class="ghost"
              disabled={trail.length === 0}
              onClick={() => {
                setCursor(trail[trail.length - 1] ?? null);
                setTrail(trail.slice(0, -1));
              }}
            >
              Previous page
            </button>
            <button
              type="button"
              class="ghost"
              disabled={!page.next_cursor}
              onClick={() => {
                setTrail([...trail, cursor]);
                setCursor(page.next_cursor);
              }}
            >
              Next page
            </button>
          </div>
        </>
      )}
    </section>
  );
}
