import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../../api/client.js';
import type { UsageReport } from '../../api/types.js';
import { formatUsd } from '../../receipts/format.js';
import { AdminError } from '../AdminNotice.js';
import { localToIso } from '../routing-log/filters.js';
import { usageChart } from './chart.js';

const GROUPS = ['user', 'provider', 'model', 'tier', 'day'] as const;

function UsageChart({ report }: { report: UsageReport }) {
  const points = report.items.map((g) => ({ day: g.day ?? g.key, tokens: g.tokens_in + g.tokens_out, cost: g.cost_usd }));
  if (points.length === 0) return <p class="muted">No usage in this period.</p>;
  const chart = usageChart(points);
  return (
    <figure class="chart">
      <svg
        viewBox={`0 0 ${chart.width} ${chart.height}`}
        role="img"
        aria-label={`Tokens (bars, up to ${chart.maxTokens}) and cost (line, up to ${formatUsd(chart.maxCost)}) per day`}
      >
        <line x1="24" y1={chart.height - 24} x2={chart.width - 24} y2={chart.height - 24} class="axis" />
        {chart.bars.map((b) => (
          <rect key={b.day} x={b.x} y={b.y} width={b.width} height={b.height} class="bar">
            <title>{`${b.day}: ${b.tokens} tokens`}</title>
          </rect>
        ))}
        {chart.costPath && <path d={chart.costPath} class="cost-line" fill="none" />}
        {chart.costDots.map((d) => (
          <circle key={d.day} cx={d.x} cy={d.y} r="3" class="cost-dot">
            <title>{`${d.day}: ${formatUsd(d.cost)}`}</title>
          </circle>
        ))}
        {chart.bars.map((b) => (
          <text key={`${b.day}-label`} x={b.x + b.width / 2} y={chart.height - 8} class="chart-label" text-anchor="middle">
            {b.day.slice(5)}
          </text>
        ))}
      </svg>
      <figcaption>
        <span class="legend legend-bar" /> tokens (in + out) · <span class="legend legend-line" /> cost (USD)
      </figcaption>
    </figure>
  );
}

export function UsageScreen() {
  const [groupBy, setGroupBy] = useState<(typeof GROUPS)[number]>('provider');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [range, setRange] = useState<{ since: string; until: string }>({ since: '', until: '' });
  const [report, setReport] = useState<UsageReport | null>(null);
  const [daily, setDaily] = useState<UsageReport | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    const params = { since: range.since, until: range.until };
    Promise.all([
      api<UsageReport>(`/admin/usage${query({ group_by: groupBy, ...params })}`),
      api<UsageReport>(`/admin/usage${query({ group_by: 'day', ...params })}`),
    ]).then(
      ([r, d]) => {
        if (!live) return;
        setReport(r);
        setDaily(d);
      },
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [groupBy, range]);

  return (
    <section class="screen">
      <h1>Usage</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setRange({ since: localToIso(since), until: localToIso(until) });
        }}
      >
        <label>
          <span id="usage-group-label">Group by</span>
          <select
            aria-labelledby="usage-group-label"
            value={groupBy}
            onChange={(e) => setGroupBy((e.target as HTMLSelectElement).value as (typeof GROUPS)[number])}
          >
            {GROUPS.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
        <label>
          Since <input type="datetime-local" value={since} onInput={(e) => setSince((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Until <input type="datetime-local" value={until} onInput={(e) => setUntil((e.target as HTMLInputElement).value)} />
        </label>
        <div class="filter-actions">
          <button type="submit">Apply</button>
        </div>
      </form>
      {error !== null && <AdminError error={error} />}
      {daily && (
        <section aria-labelledby="chart-heading">
          <h2 id="chart-heading">Cost and tokens over time</h2>
          <UsageChart report={daily} />
        </section>
      )}
      {report && (
        <table class="data">
          <caption>By {report.group_by}</caption>
          <thead>
            <tr>
              <th scope="col">{report.group_by}</th>
              <th scope="col">Completions</th>
              <th scope="col">Tokens in</th>
              <th scope="col">Tokens out</th>
              <th scope="col">Cost</th>
              <th scope="col">Outcomes</th>
            </tr>
          </thead>
          <tbody>
            {report.items.map((g) => (
              <tr key={g.key}>
                <td>{g.email ?? g.key}</td>
                <td>{g.completions}</td>
                <td>{g.tokens_in}</td>
                <td>{g.tokens_out}</td>
                <td>{formatUsd(g.cost_usd)}</td>
                <td>
                  {Object.entries(g.outcomes)
                    .filter(([, n]) => n > 0)
                    .map(([o, n]) => `${o} ${n}`)
                    .join(' · ')}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td>{report.totals.completions}</td>
              <td>{report.totals.tokens_in}</td>
              <td>{report.totals.tokens_out}</td>
              <td>{formatUsd(report.totals.cost_usd)}</td>
              <td />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
