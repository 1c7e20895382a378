/** The routing-log filters the form edits, as the query `GET /admin/routing-log` takes. */
export interface RoutingLogFilters {
  request_id: string;
  chat_id: string;
  message_id: string;
  user_id: string;
  provider: string;
  model: string;
  tier: string;
  outcome: string;
  refused: string;
  anonymized: string;
  since: string;
  until: string;
}

export const EMPTY_FILTERS: RoutingLogFilters = {
  request_id: '',
  chat_id: '',
  message_id: '',
  user_id: '',
  provider: '',
  model: '',
  tier: '',
  outcome: '',
  refused: '',
  anonymized: '',
  since: '',
  until: '',
};

export const OUTCOMES = ['completed', 'failed', 'refused', 'client_closed', 'shutdown'] as const;

/** A `datetime-local` value (local time, no zone) as ISO-8601 UTC; empty stays empty. */
export function localToIso(value: string): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** The query parameters for a set of filters: trimmed, empty ones left out, times in UTC. */
export function filterParams(filters: RoutingLogFilters): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(filters) as [keyof RoutingLogFilters, string][]) {
    const text = name === 'since' || name === 'until' ? localToIso(value) : value.trim();
    if (text) params[name] = text;
  }
  return params;
}
