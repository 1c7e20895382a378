/**
 * What a receipt says, as pure functions: the reference drawer's reading of `detail`
 * (receipts-contract.md §1.9, `describeEvent`) and the per-message indicator (§2), plus the fields
 * only Tally has (cost, outcome, entity counts). The strings here are the ones its users know.
 */

/** A receipt event as it arrives: `detail` is read defensively, because unknown kinds must never throw. */
export interface ReceiptEventLike {
  ts: string;
  kind: string;
  detail: Record<string, unknown> | null;
}

export type Tone = 'default' | 'danger';

export interface EventDescription {
  label: string;
  secondary: string;
  /** "Tier N" is shown when this is a number. */
  tier: number | null;
  tone: Tone;
}

export type IconName = 'message' | 'retrieval' | 'inference' | 'skill' | 'audit' | 'error' | 'dot';

export const ANONYMIZED_LABEL = 'Anonymized';
export const NOT_ANONYMIZED_LABEL = 'No anonymization';
export const ANONYMIZED_TOOLTIP = 'This request was processed by the anonymization layer before leaving your environment';

export const DRAWER_TEXT = {
  loading: 'Loading…',
  failed: "Couldn't load receipts.",
  empty: 'No receipts yet for this chat.',
} as const;

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const str = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function tierLabel(tier: number): string {
  return `Tier ${tier}`;
}

export function receiptsHeading(count: number): string {
  return `Receipts · ${count} events`;
}

/** `379 prompt · 428 completion tokens`; either part may be missing; `message` when both are. */
export function messageSecondary(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  const prompt = num(detail.prompt_tokens);
  const completion = num(detail.completion_tokens);
  if (prompt !== null) parts.push(`${prompt} prompt`);
  if (completion !== null) parts.push(`${completion} completion tokens`);
  return parts.length > 0 ? parts.join(' · ') : 'message';
}

/** `anthropic-prod · 379→428 tokens · 7.6s`; each part is optional. */
export function inferenceSecondary(detail: Record<string, unknown>): string {
  const parts: string[] = [];
  const provider = str(detail.provider);
  const tokensIn = num(detail.tokens_in);
  const tokensOut = num(detail.tokens_out);
  const latency = num(detail.latency_ms);
  if (provider) parts.push(provider);
  if (tokensIn !== null || tokensOut !== null) parts.push(`${tokensIn ?? '?'}→${tokensOut ?? '?'} tokens`);
  if (latency !== null) parts.push(`${(latency / 1000).toFixed(1)}s`);
  return parts.join(' · ');
}

/** `1 chunk · from 1 KB · ~18 query tokens` from the nested `details`; `retrieved context` without it. */
export function retrievalSecondary(detail: Record<string, unknown>): string {
  const details = detail.details && typeof detail.details === 'object' ? (detail.details as Record<string, unknown>) : null;
  if (!details) return 'retrieved context';
  const parts: string[] = [];
  const chunks = num(details.chunk_count);
  const kbs = Array.isArray(details.kb_ids) ? details.kb_ids.length : null;
  const queryTokens = num(details.query_token_estimate);
  if (chunks !== null) parts.push(plural(chunks, 'chunk'));
  if (kbs !== null) parts.push(`from ${plural(kbs, 'KB')}`);
  if (queryTokens !== null) parts.push(`~${queryTokens} query tokens`);
  return parts.length > 0 ? parts.join(' · ') : 'retrieved context';
}

/** Label, secondary line, tier badge and tone of one event, by kind (§1.9). Never throws. */
export function describeEvent(event: ReceiptEventLike): EventDescription {
  const detail = event.detail && typeof event.detail === 'object' ? event.detail : {};
  const tier = num(detail.tier);
  if (event.kind === 'error' || detail.refused === true) {
    return { label: 'Inference refused', secondary: str(detail.refusal_reason) ?? 'inference refused', tier, tone: 'danger' };
  }
  switch (event.kind) {
    case 'message':
      return {
        label: detail.role === 'assistant' || detail.message_kind === 'ai' ? 'Assistant' : 'You',
        secondary: messageSecondary(detail),
        tier: null,
        tone: 'default',
      };
    case 'retrieval':
      return { label: 'Knowledge-base retrieval', secondary: retrievalSecondary(detail), tier: null, tone: 'default' };
    case 'inference':
      return { label: str(detail.model) ?? 'inference', secondary: inferenceSecondary(detail), tier, tone: 'default' };
    case 'skill':
      return {
        label: 'Skill applied',
        secondary: str(detail.name) ?? str(detail.skill) ?? str(detail.skill_name) ?? '',
        tier: null,
        tone: 'default',
      };
    case 'audit':
      return { label: 'Audit', secondary: str(detail.action) ?? '', tier: null, tone: 'default' };
    default:
      return { label: event.kind, secondary: '', tier: null, tone: 'default' };
  }
}

export function iconFor(kind: string): IconName {
  switch (kind) {
    case 'message':
    case 'retrieval':
    case 'inference':
    case 'skill':
    case 'audit':
    case 'error':
      return kind;
    default:
      return 'dot';
  }
}

/** `applied` / `none` for inference and error events whose flag is a real boolean; `null` otherwise. */
export function anonStatus(event: ReceiptEventLike): 'applied' | 'none' | null {
  if (event.kind !== 'inference' && event.kind !== 'error') return null;
  const applied = event.detail?.anonymization_applied;
  if (applied === true) return 'applied';
  if (applied === false) return 'none';
  return null;
}

/** message_id → anonymization_applied, from inference and error events that carry both (the last one wins). */
export function anonymizedByMessage(events: readonly ReceiptEventLike[]): Map<string, boolean> {
  const map = new Map<string, boolean>();
  for (const event of events) {
    if (event.kind !== 'inference' && event.kind !== 'error') continue;
    const id = event.detail?.message_id;
    const applied = event.detail?.anonymization_applied;
    if (typeof id === 'string' && typeof applied === 'boolean') map.set(id, applied);
  }
  return map;
}

/** The indicator is affirmative-only: a pill for `true`, nothing for `false` or unknown. */
export function showsAnonymizedPill(anonymized: boolean | undefined): boolean {
  return anonymized === true;
}

/** The kinds present, in order of first appearance (the drawer's filter chips). */
export function kindsPresent(events: readonly ReceiptEventLike[]): string[] {
  return [...new Set(events.map((e) => e.kind))];
}

/** USD: `$1.25` from a cent up, `$0.000123` below (six decimals), `<$0.000001`, `no price` for null. */
export function formatUsd(usd: number | null | undefined): string {
  if (usd === null || usd === undefined || !Number.isFinite(usd)) return 'no price';
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  const fixed = usd.toFixed(6).replace(/0+$/, '');
  return fixed === '0.' ? '<$0.000001' : `$${fixed}`;
}

/** `EMAIL_ADDRESS ×1 · PERSON ×2`, types in alphabetical order; `none` when there are none. */
export function formatEntityCounts(counts: unknown): string {
  if (!counts || typeof counts !== 'object') return 'none';
  const entries = Object.entries(counts as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && entry[1] > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length > 0 ? entries.map(([type, n]) => `${type} ×${n}`).join(' · ') : 'none';
}

/** Tally's extras on inference and error rows: `cost $0.0012 · completed · PERSON ×1`. */
export function inferenceExtras(detail: Record<string, unknown> | null): string[] {
  if (!detail) return [];
  const extras = [`cost ${formatUsd(num(detail.cost_usd))}`];
  const outcome = str(detail.outcome);
  if (outcome) extras.push(outcome);
  if (detail.anonymized_entities !== undefined && detail.anonymized_entities !== null) {
    extras.push(`entities: ${formatEntityCounts(detail.anonymized_entities)}`);
  }
  return extras;
}

/** A row's key: ts + kind + detail, as in the reference (the server never sends byte-identical events). */
export function eventKey(event: ReceiptEventLike): string {
  return `${event.ts}|${event.kind}|${JSON.stringify(event.detail)}`;
}
