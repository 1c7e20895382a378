import { describe, expect, it } from '@jest/globals';
import { EMPTY_FILTERS, filterParams } from '../../web/src/admin/routing-log/filters.js';
import { usageChart } from '../../web/src/admin/usage/chart.js';
import { type ChatEntry, errorText } from '../../web/src/chats/entry.js';
import {
  ANONYMIZED_LABEL,
  ANONYMIZED_TOOLTIP,
  anonStatus,
  anonymizedByMessage,
  DRAWER_TEXT,
  describeEvent,
  eventKey,
  formatEntityCounts,
  formatUsd,
  iconFor,
  inferenceExtras,
  inferenceSecondary,
  kindsPresent,
  messageSecondary,
  NOT_ANONYMIZED_LABEL,
  type ReceiptEventLike,
  receiptsHeading,
  retrievalSecondary,
  showsAnonymizedPill,
  tierLabel,
} from '../../web/src/receipts/format.js';

const TS = '2026-05-25T05:04:31.123Z';
const event = (kind: string, detail: Record<string, unknown> | null): ReceiptEventLike => ({ ts: TS, kind, detail });

/** The worked example of receipts-contract.md §1.10, with the reference's inference detail. */
const INFERENCE = {
  provider: 'anthropic-prod',
  model: 'claude-opus-4-7',
  tier: 4,
  tokens_in: 379,
  tokens_out: 428,
  latency_ms: 7589,
  refused: false,
  refusal_reason: null,
  anonymization_applied: true,
  message_id: 'm1',
};

describe('describeEvent: the reference drawer strings (§1.9)', () => {
  it('message: You / Assistant and the token line', () => {
    const user = describeEvent(
      event('message', { message_id: 'u', message_kind: 'user', role: 'user', prompt_tokens: null, completion_tokens: null }),
    );
    expect(user).toEqual({ label: 'You', secondary: 'message', tier: null, tone: 'default' });
    const ai = describeEvent(
      event('message', { message_id: 'a', message_kind: 'ai', role: 'assistant', prompt_tokens: 379, completion_tokens: 428 }),
    );
    expect(ai).toEqual({ label: 'Assistant', secondary: '379 prompt · 428 completion tokens', tier: null, tone: 'default' });
    // Either signal makes it the assistant's; either token part may be missing.
    expect(describeEvent(event('message', { message_kind: 'ai', role: 'tool' })).label).toBe('Assistant');
    expect(describeEvent(event('message', { message_kind: 'refusal', role: 'assistant' })).label).toBe('Assistant');
    expect(describeEvent(event('message', { message_kind: 'system', role: 'system' })).label).toBe('You');
    expect(messageSecondary({ prompt_tokens: 379, completion_tokens: null })).toBe('379 prompt');
    expect(messageSecondary({ prompt_tokens: null, completion_tokens: 428 })).toBe('428 completion tokens');
    expect(messageSecondary({ prompt_tokens: 0, completion_tokens: 0 })).toBe('0 prompt · 0 completion tokens');
  });

  it('inference: the model as label, provider · in→out tokens · latency, and the tier badge', () => {
    expect(describeEvent(event('inference', INFERENCE))).toEqual({
      label: 'claude-opus-4-7',
      secondary: 'anthropic-prod · 379→428 tokens · 7.6s',
      tier: 4,
      tone: 'default',
    });
    expect(tierLabel(4)).toBe('Tier 4');
    expect(describeEvent(event('inference', { tier: 1 })).label).toBe('inference');
    expect(inferenceSecondary({ provider: 'p', tokens_in: null, tokens_out: null, latency_ms: null })).toBe('p');
    expect(inferenceSecondary({ tokens_in: 12, tokens_out: null, latency_ms: 50 })).toBe('12→? tokens · 0.1s');
    expect(inferenceSecondary({})).toBe('');
    // A tier that is not a number gives no badge.
    expect(describeEvent(event('inference', { ...INFERENCE, tier: '4' })).tier).toBeNull();
  });

  it('error, or any refused event: "Inference refused" with the reason, red, with its tier', () => {
    const reason = 'tier_below_minimum:required=3:resolved=4:source=project';
    const refused = { ...INFERENCE, refused: true, refusal_reason: reason, anonymization_applied: false };
    expect(describeEvent(event('error', refused))).toEqual({
      label: 'Inference refused',
      secondary: reason,
      tier: 4,
      tone: 'danger',
    });
    expect(describeEvent(event('inference', refused)).label).toBe('Inference refused');
    expect(describeEvent(event('error', { ...refused, refusal_reason: null })).secondary).toBe('inference refused');
  });

  it('retrieval reads the nested details; skill and audit; unknown kinds never throw', () => {
    const retrieval = event('retrieval', {
      action: 'inference.kb_chunks_retrieved',
      details: { kb_ids: ['K'], chunk_count: 1, chunk_ids: ['c'], query_token_estimate: 18 },
    });
    expect(describeEvent(retrieval)).toEqual({
      label: 'Knowledge-base retrieval',
      secondary: '1 chunk · from 1 KB · ~18 query tokens',
      tier: null,
      tone: 'default',
    });
    expect(retrievalSecondary({ details: { kb_ids: ['a', 'b'], chunk_count: 5, query_token_estimate: 3 } })).toBe(
      '5 chunks · from 2 KBs · ~3 query tokens',
    );
    expect(retrievalSecondary({ details: null })).toBe('retrieved context');
    expect(retrievalSecondary({ details: {} })).toBe('retrieved context');
    expect(describeEvent(event('skill', { skill_name: 'nda-review', message_id: 'u', source: 'slash' }))).toEqual({
      label: 'Skill applied',
      secondary: 'nda-review',
      tier: null,
      tone: 'default',
    });
    expect(describeEvent(event('skill', { name: 'a', skill: 'b', skill_name: 'c' })).secondary).toBe('a');
    expect(describeEvent(event('audit', { action: 'chat.archived', actor_user_id: null, details: {} }))).toEqual({
      label: 'Audit',
      secondary: 'chat.archived',
      tier: null,
      tone: 'default',
    });
    expect(describeEvent(event('citation', null))).toEqual({ label: 'citation', secondary: '', tier: null, tone: 'default' });
    expect(describeEvent({ ts: TS, kind: 'inference', detail: 'garbage' as never }).label).toBe('inference');
  });

  it('icons by kind, Dot for anything else', () => {
    expect(['message', 'retrieval', 'inference', 'skill', 'audit', 'error', 'tool'].map(iconFor)).toEqual([
      'message',
      'retrieval',
      'inference',
      'skill',
      'audit',
      'error',
      'dot',
    ]);
  });
});

describe('anonymization status and the per-message indicator (§2)', () => {
  it('anonStatus: applied / none on inference and error events, null for anything else or a non-boolean', () => {
    expect(anonStatus(event('inference', INFERENCE))).toBe('applied');
    expect(anonStatus(event('error', { ...INFERENCE, anonymization_applied: false }))).toBe('none');
    expect(anonStatus(event('inference', { ...INFERENCE, anonymization_applied: null }))).toBeNull();
    expect(anonStatus(event('inference', { ...INFERENCE, anonymization_applied: 'true' }))).toBeNull();
    expect(anonStatus(event('message', { anonymization_applied: true }))).toBeNull();
    expect(anonStatus(event('audit', null))).toBeNull();
  });

  it('anonymizedByMessage: string ids with boolean flags only, the last one winning', () => {
    const map = anonymizedByMessage([
      event('inference', { message_id: 'a', anonymization_applied: false }),
      event('inference', { message_id: 'a', anonymization_applied: true }),
      event('error', { message_id: 'b', anonymization_applied: false }),
      event('inference', { message_id: null, anonymization_applied: true }),
      event('inference', { message_id: 'c', anonymization_applied: null }),
      event('message', { message_id: 'd', anonymization_applied: true }),
    ]);
    expect([...map.entries()]).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('is affirmative-only, with the reference wording', () => {
    expect([showsAnonymizedPill(true), showsAnonymizedPill(false), showsAnonymizedPill(undefined)]).toEqual([true, false, false]);
    expect(ANONYMIZED_LABEL).toBe('Anonymized');
    expect(NOT_ANONYMIZED_LABEL).toBe('No anonymization');
    expect(ANONYMIZED_TOOLTIP).toBe('This request was processed by the anonymization layer before leaving your environment');
  });
});

describe('the drawer and Tally’s additions', () => {
  it('states, heading, chips in order of appearance, and row keys', () => {
    expect(DRAWER_TEXT).toEqual({
      loading: 'Loading…',
      failed: "Couldn't load receipts.",
      empty: 'No receipts yet for this chat.',
    });
    expect(receiptsHeading(4)).toBe('Receipts · 4 events');
    const events = [event('message', {}), event('inference', INFERENCE), event('message', { x: 1 }), event('error', {})];
    expect(kindsPresent(events)).toEqual(['message', 'inference', 'error']);
    expect(eventKey(events[0])).not.toBe(eventKey(events[2]));
  });

  it('cost, outcome and entity counts', () => {
    expect([formatUsd(null), formatUsd(0), formatUsd(1.5), formatUsd(0.000575), formatUsd(0.0000001)]).toEqual([
      'no price',
      '$0',
      '$1.50',
      '$0.000575',
      '<$0.000001',
    ]);
    expect(formatEntityCounts({ PERSON: 2, EMAIL_ADDRESS: 1 })).toBe('EMAIL_ADDRESS ×1 · PERSON ×2');
    expect(formatEntityCounts({})).toBe('none');
    expect(formatEntityCounts(null)).toBe('none');
    expect(
      inferenceExtras({
        ...INFERENCE,
        cost_usd: 0.000575,
        outcome: 'completed',
        anonymized_entities: { PERSON: 1, EMAIL_ADDRESS: 1 },
      }),
    ).toEqual(['cost $0.000575', 'completed', 'entities: EMAIL_ADDRESS ×1 · PERSON ×1']);
    expect(inferenceExtras({ ...INFERENCE, cost_usd: null, outcome: 'refused', anonymized_entities: null })).toEqual([
      'cost no price',
      'refused',
    ]);
  });

  it('what a failed answer says: the refusal reason, or that the partial answer is kept', () => {
    const base: ChatEntry = {
      id: 'a',
      role: 'assistant',
      kind: 'ai',
      content: '',
      model: null,
      tier: null,
      errorCode: null,
      errorMessage: null,
      streaming: false,
    };
    expect(errorText(base)).toBeNull();
    expect(errorText({ ...base, kind: 'refusal', errorCode: 'tier_below_minimum', errorMessage: 'Requires tier 3.' })).toBe(
      'Refused (tier_below_minimum): Requires tier 3.',
    );
    expect(errorText({ ...base, kind: 'refusal', errorCode: 'tier_below_minimum' })).toBe(
      'Refused (tier_below_minimum): the request was not sent to any model. Open Receipts for the reason.',
    );
    expect(errorText({ ...base, content: 'Hel', errorCode: 'provider_unavailable', errorMessage: 'Upstream failed.' })).toBe(
      'Failed (provider_unavailable): Upstream failed. The partial answer above is kept.',
    );
    expect(errorText({ ...base, errorCode: 'provider_unavailable' })).toBe('Failed (provider_unavailable): the answer failed.');
    expect(errorText({ ...base, content: 'x', errorCode: 'client_closed' })).toBe('Stopped: the partial answer is kept.');
  });

  it('routing-log filters become the query: trimmed, empty ones dropped, local times as UTC', () => {
    expect(filterParams(EMPTY_FILTERS)).toEqual({});
    const since = '2026-05-25T08:30';
    expect(filterParams({ ...EMPTY_FILTERS, outcome: 'refused', provider: ' cloud-sim ', since })).toEqual({
      outcome: 'refused',
      provider: 'cloud-sim',
      since: new Date(since).toISOString(),
    });
  });

  it('usage chart geometry: bars scale to the largest day, the cost line skips days without a price', () => {
    const chart = usageChart(
      [
        { day: '2026-05-01', tokens: 100, cost: 0.5 },
        { day: '2026-05-02', tokens: 50, cost: null },
        { day: '2026-05-03', tokens: 0, cost: 1 },
      ],
      348,
      200,
      24,
    );
    expect(chart.bars.map((b) => b.height)).toEqual([152, 76, 0]);
    expect(chart.bars.map((b) => b.x)).toEqual([39, 139, 239]);
    expect(chart.costPath).toBe('M74 100 L274 24');
    expect(usageChart([]).costPath).toBe('');
  });
});
