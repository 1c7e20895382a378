import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { FakeOpenAi } from './support/fake-openai.js';
import { FAULTS } from './support/faults.js';
import { eventually, gatewayYaml, postSse, startTestApp, type TestApp } from './support/test-app.js';

describe('upstream faults', () => {
  let fake: FakeOpenAi;
  let app: TestApp;
  let key: string;

  beforeAll(async () => {
    fake = await new FakeOpenAi().start();
    const yaml = gatewayYaml().replace(
      'prices:',
      `  - name: flaky
    type: openai_compatible
    base_url: ${fake.baseUrl}
    tier: 1
    timeout_s: 0.5
    max_duration_s: 1.5
    models: [flaky-model]
prices:`,
    );
    app = await startTestApp(yaml);
    key = (await app.createUser()).key;
  });

  afterAll(async () => {
    await app.close();
    await fake.stop();
  });

  for (const [label, fault] of Object.entries(FAULTS)) {
    for (const stream of [true, false]) {
      it(`${label} (stream: ${stream}): an error for the client, one failed row with a reason, upstream released`, async () => {
        fake.behaviour = () => fault.behaviour;
        const requestId = `fault-${label.replace(/\W+/g, '-')}-${stream}`;
        const body = { model: 'flaky/flaky-model', stream, messages: [{ role: 'user', content: 'x' }] };
        const started = Date.now();
        const res = await postSse(app.url, key, body, { headers: { 'X-Request-Id': requestId } });
        expect(Date.now() - started).toBeLessThan(5000);
        if (stream && fault.streamStatus === 200 && res.status === 200) {
          // Started streaming: error frame, then [DONE].
          expect(res.frames.at(-1)).toBe('[DONE]');
          expect(JSON.parse(res.frames.at(-2)!).error.code).toBe('provider_unavailable');
        } else {
          expect([502, 503]).toContain(res.status);
          expect(JSON.parse(res.raw).error.code).toBe('provider_unavailable');
        }
        const rows = await app.rows('request_id = $1', [requestId]);
        expect(rows).toHaveLength(1);
        expect(rows[0].outcome).toBe('failed');
        expect(rows[0].error_reason).toMatch(fault.reason);
        // The gateway let go of the upstream request (no socket held for the upstream's lifetime).
        const upstream = fake.requests.at(-1)!;
        await eventually(async () => upstream.closed, 1000);
      });
    }
  }
});
