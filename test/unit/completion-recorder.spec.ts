import { describe, expect, it } from '@jest/globals';
import type { WriteResult } from '../../src/durability/durable-writer.js';
import { CompletionRecorder, type RowIdentity } from '../../src/routing-log/completion-recorder.js';
import type { PendingWrites } from '../../src/routing-log/pending-writes.js';
import { ROUTING_LOG_COLUMNS, type RoutingLogRow } from '../../src/routing-log/routing-log.row.js';
import type { RoutingLogWriter } from '../../src/routing-log/routing-log.writer.js';

const identity: RowIdentity = {
  id: '0190a0b0-0000-7000-8000-000000000001',
  request_id: 'req_1',
  timestamp: new Date('2026-12-01T10:00:00Z'),
  user_id: '0190a0b0-0000-7000-8000-000000000002',
  api_key_id: '0190a0b0-0000-7000-8000-000000000003',
  chat_id: null,
  message_id: null,
  requested_model: 'fast',
  stream: true,
  purpose: 'chat',
};

/** A recorder whose writer keeps the rows it was given. */
function recorder() {
  const written: RoutingLogRow[] = [];
  const writer = {
    write: (row: RoutingLogRow) => {
      written.push(row);
      return Promise.resolve<WriteResult>('committed');
    },
  } as unknown as RoutingLogWriter;
  const pending = { track: <T>(write: Promise<T>) => write } as unknown as PendingWrites;
  return {
    recorder: new CompletionRecorder(identity, { apiKeyPrefix: 'tly_abcd', operation: 'chat' }, writer, pending),
    written,
  };
}

describe('CompletionRecorder row', () => {
  it('has every routing-log column and nothing else, identity first-hand and unset outcome fields defaulted', async () => {
    const { recorder: r, written } = recorder();
    expect(await r.record({ outcome: 'refused', refused: true, refusal_reason: 'tier_floor' })).toBe('committed');
    expect(written).toHaveLength(1);
    const [row] = written;
    expect(Object.keys(row).sort()).toEqual([...ROUTING_LOG_COLUMNS].sort());
    expect(row).toEqual({
      ...identity,
      routed_provider: '<unresolved>',
      routed_model: '<unresolved>',
      routed_inference_tier: 1,
      outcome: 'refused',
      tokens_in: null,
      tokens_out: null,
      cost_usd: null,
      latency_ms: null,
      ttft_ms: null,
      refused: true,
      refusal_reason: 'tier_floor',
      error_code: null,
      error_reason: null,
      anonymization_applied: false,
      anonymized_entities: null,
      anonymization_skip_reason: null,
      fallbacks: [],
    });
    expect(r.recordedRow).toBe(row);
  });

  it('takes every field the outcome sets, a falsy one (0) over its null default included, and treats undefined as unset', async () => {
    const { recorder: r, written } = recorder();
    const outcome = {
      outcome: 'completed' as const,
      routed_provider: 'openai',
      routed_model: 'gpt-4o-mini',
      routed_inference_tier: 4,
      tokens_in: 0,
      tokens_out: 12,
      cost_usd: '0.000012',
      latency_ms: 840,
      ttft_ms: undefined,
      anonymization_applied: true,
      anonymized_entities: { PERSON: 2 },
      fallbacks: [{ provider: 'a', model: 'm', tier: 2, reason: 'upstream_error:timeout' }],
    };
    await r.record(outcome);
    expect(written[0]).toMatchObject({ ...outcome, ttft_ms: null, refused: false });
    expect(written[0].fallbacks).toBe(outcome.fallbacks);
  });

  it('writes once: a second outcome gets the first write and leaves the row as it was', async () => {
    const { recorder: r, written } = recorder();
    const first = r.record({ outcome: 'completed', tokens_out: 3 });
    const second = r.record({ outcome: 'client_closed' });
    expect(second).toBe(first);
    await first;
    expect(written).toHaveLength(1);
    expect(r.outcome).toBe('completed');
    expect(written[0].outcome).toBe('completed');
  });
});
