import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { completionOf, embeddingsOf, errorOf, FakeOpenAi, streamOf } from './support/fake-openai.js';
import {
  bucketBounds,
  counterSum,
  histogramLabelNames,
  histogramTotals,
  parsePrometheus,
  type Scrape,
} from './support/prometheus.js';
import { gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

const GEN_AI_TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const GEN_AI_SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

const CLOUD = { gen_ai_provider_name: 'cloud-a', gen_ai_request_model: 'cloud-a-model', gen_ai_response_model: 'cloud-a-model' };

async function scrape(app: TestApp): Promise<Scrape> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await res.text());
}

describe('GET /metrics (prom-client, one registry per app)', () => {
  let cloud: FakeOpenAi;
  let app: TestApp;
  let other: TestApp;
  let key: string;

  beforeAll(async () => {
    cloud = await new FakeOpenAi().start();
    const yaml = gatewayYaml({ upstreams: { 'cloud-a': cloud.baseUrl } });
    // Two apps in one process: each must keep its own registry and its own default metrics.
    app = await startTestApp(yaml);
    other = await startTestApp(yaml);
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await other.close();
    await cloud.stop();
  });

  const post = (body: Record<string, unknown>, path = '/v1/chat/completions') =>
    fetch(`${app.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('parses as Prometheus text and carries the process metrics', async () => {
    const { families } = await scrape(app);
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(families.has(name)).toBe(true);
    }
    expect(families.get('process_cpu_seconds_total')!.type).toBe('COUNTER');
    expect(families.get('tally_spool_depth')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '0' }] });
    expect(parsePrometheus(await (await fetch(`${other.url}/metrics`)).text()).families.has('process_cpu_seconds_total')).toBe(
      true,
    );
  });

  it('moves the completion counters and the GenAI histograms by exactly what a known set of completions adds', async () => {
    const before = await scrape(app);
    const otherBefore = await scrape(other);

    cloud.behaviour = (body) =>
      body.stream
        ? streamOf(['Hel', 'lo', '!'], { prompt: 21, completion: 3 })
        : completionOf('Hi', { prompt: 11, completion: 5 });
    for (let i = 0; i < 3; i++)
      expect((await post({ model: 'cloud-a/cloud-a-model', messages: [{ role: 'user', content: `q${i}` }] })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const res = await postSse(app.url, key, {
        model: 'cloud-a/cloud-a-model',
        stream: true,
        messages: [{ role: 'user', content: 's' }],
      });
      expect(res.frames.at(-1)).toBe('[DONE]');
    }
    cloud.behaviour = () => embeddingsOf(7);
    expect((await post({ model: 'cloud-a/cloud-a-model', input: ['a', 'b'] }, '/v1/embeddings')).status).toBe(200);
    cloud.behaviour = () => errorOf(400, 'bad request', 'invalid_request_error');
    expect((await post({ model: 'cloud-a/cloud-a-model', messages: [{ role: 'user', content: 'x' }] })).status).toBe(400);
    // Refused before any provider is called: counted as a completion, not as a GenAI client operation.
    expect((await post({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] })).status).toBe(400);

    const after = await scrape(app);
    const [failedRow] = await app.rows(`outcome = 'failed'`);
    expect(failedRow.error_code).toEqual(expect.any(String));
    const delta = (name: string, labels: Record<string, string | undefined> = {}) =>
      counterSum(after, name, labels) - counterSum(before, name, labels);
    const hist = (name: string, labels: Record<string, string | undefined> = {}) => {
      const a = histogramTotals(after, name, labels);
      const b = histogramTotals(before, name, labels);
      return { count: a.count - b.count, sum: Math.round((a.sum - b.sum) * 1e6) / 1e6 };
    };

    expect(delta('tally_completions_total', { outcome: 'completed', provider: 'cloud-a', persisted: 'committed' })).toBe(6);
    expect(delta('tally_completions_total', { outcome: 'failed', provider: 'cloud-a' })).toBe(1);
    expect(delta('tally_completions_total', { outcome: 'refused', provider: '<unresolved>' })).toBe(1);
    expect(delta('tally_completions_total')).toBe(8);
    expect(delta('tally_durable_rows_total', { table: 'inference_routing_log', result: 'committed' })).toBe(8);
    expect(delta('tally_http_requests_total', { method: 'POST', route: '/v1/chat/completions', status: '200' })).toBe(5);

    const chatOk = { ...CLOUD, gen_ai_operation_name: 'chat', error_type: undefined };
    expect(hist('gen_ai_client_token_usage', { ...chatOk, gen_ai_token_type: 'input' })).toEqual({
      count: 5,
      sum: 3 * 11 + 2 * 21,
    });
    expect(hist('gen_ai_client_token_usage', { ...chatOk, gen_ai_token_type: 'output' })).toEqual({
      count: 5,
      sum: 3 * 5 + 2 * 3,
    });
    expect(hist('gen_ai_client_operation_duration_seconds', chatOk).count).toBe(5);
    // Streaming calls only, as the conventions say.
    expect(hist('gen_ai_client_operation_time_to_first_chunk_seconds', chatOk).count).toBe(2);

    const embedOk = { ...CLOUD, gen_ai_operation_name: 'embeddings', error_type: undefined };
    expect(hist('gen_ai_client_token_usage', { ...embedOk, gen_ai_token_type: 'input' })).toEqual({ count: 1, sum: 7 });
    expect(hist('gen_ai_client_operation_duration_seconds', embedOk).count).toBe(1);

    const failed = { ...CLOUD, gen_ai_operation_name: 'chat', error_type: failedRow.error_code };
    expect(hist('gen_ai_client_operation_duration_seconds', failed).count).toBe(1);
    // 5 chat + 1 embeddings + 1 failed: the refusal never reached a provider.
    expect(hist('gen_ai_client_operation_duration_seconds').count).toBe(7);
    expect(hist('gen_ai_client_operation_time_to_first_chunk_seconds').count).toBe(2);

    // The other app in this process saw none of it.
    const otherAfter = await scrape(other);
    expect(counterSum(otherAfter, 'tally_completions_total')).toBe(counterSum(otherBefore, 'tally_completions_total'));
    expect(histogramTotals(otherAfter, 'gen_ai_client_operation_duration_seconds').count).toBe(
      histogramTotals(otherBefore, 'gen_ai_client_operation_duration_seconds').count,
    );
  });

  it('uses the GenAI semantic conventions’ bucket boundaries and label names', async () => {
    const scraped = await scrape(app);
    for (const name of [
      'gen_ai_client_token_usage',
      'gen_ai_client_operation_duration_seconds',
      'gen_ai_client_operation_time_to_first_chunk_seconds',
    ]) {
      expect(scraped.families.get(name)?.type).toBe('HISTOGRAM');
    }
    expect(bucketBounds(scraped, 'gen_ai_client_token_usage')).toEqual(GEN_AI_TOKEN_BUCKETS);
    expect(bucketBounds(scraped, 'gen_ai_client_operation_duration_seconds')).toEqual(GEN_AI_SECONDS_BUCKETS);
    expect(bucketBounds(scraped, 'gen_ai_client_operation_time_to_first_chunk_seconds')).toEqual(GEN_AI_SECONDS_BUCKETS);
    // The failed call (an upstream 400) carries error_type; it reported no usage, so no token series has it.
    expect(histogramLabelNames(scraped, 'gen_ai_client_operation_duration_seconds')).toEqual([
      'error_type',
      'gen_ai_operation_name',
      'gen_ai_provider_name',
      'gen_ai_request_model',
      'gen_ai_response_model',
    ]);
    expect(histogramLabelNames(scraped, 'gen_ai_client_token_usage')).toEqual([
      'gen_ai_operation_name',
      'gen_ai_provider_name',
      'gen_ai_request_model',
      'gen_ai_response_model',
      'gen_ai_token_type',
    ]);
  });
});
