import { describe, expect, it } from '@jest/globals';
import { ProviderError, redactSecrets } from '../../src/inference/providers/provider-error.js';

describe('redactSecrets', () => {
  it.each<[string, string, string | undefined, string]>([
    ['the configured key', 'bad key abcd-1234-efgh', 'abcd-1234-efgh', 'bad key [redacted]'],
    [
      "OpenAI's masked echo",
      'Incorrect API key provided: sk-proj-********abcd. You can find your API key at …',
      undefined,
      'Incorrect API key provided: [redacted]. You can find your API key at …',
    ],
    ['an Anthropic key', 'invalid x-api-key sk-ant-api03-XYZxyz012', undefined, 'invalid x-api-key [redacted]'],
    ['every occurrence', 'k1234 and k1234', 'k1234', '[redacted] and [redacted]'],
    ['words that only contain "sk-"', 'task-runner and desk-lamp are fine', undefined, 'task-runner and desk-lamp are fine'],
    ['a message without secrets', 'Overloaded', 'secret-key-1', 'Overloaded'],
  ])('takes out %s', (_label, message, key, expected) => {
    expect(redactSecrets(message, [key])).toBe(expected);
  });
});

describe('ProviderError classification (§6.3)', () => {
  it.each<[string, ProviderError, number, string, boolean, string]>([
    ['401', new ProviderError('auth', 'm', 'p', 401), 502, 'unauthorized', false, 'upstream_error:unauthorized:status=401:auth'],
    ['403', new ProviderError('auth', 'm', 'p', 403), 502, 'unauthorized', false, 'upstream_error:unauthorized:status=403:auth'],
    [
      '429',
      new ProviderError('http', 'm', 'p', 429),
      429,
      'rate_limit_exceeded',
      true,
      'upstream_error:rate_limit_exceeded:status=429:http',
    ],
    [
      '422',
      new ProviderError('http', 'm', 'p', 422),
      400,
      'invalid_request',
      false,
      'upstream_error:invalid_request:status=422:http',
    ],
    [
      '404 model_not_found',
      new ProviderError('http', 'm', 'p', 404, undefined, 'model_not_found'),
      400,
      'invalid_model',
      false,
      'upstream_error:invalid_model:status=404:http',
    ],
    [
      '529',
      new ProviderError('http', 'm', 'p', 529),
      502,
      'provider_unavailable',
      true,
      'upstream_error:provider_unavailable:status=529:http',
    ],
    [
      'unreadable',
      new ProviderError('protocol', 'm', 'p', 200),
      502,
      'provider_unavailable',
      true,
      'upstream_error:provider_unavailable:protocol',
    ],
    [
      'network',
      new ProviderError('network', 'm', 'p'),
      503,
      'provider_unavailable',
      true,
      'upstream_error:provider_unavailable:network',
    ],
    [
      'timeout',
      new ProviderError('timeout', 'm', 'p'),
      503,
      'provider_unavailable',
      true,
      'upstream_error:provider_unavailable:timeout',
    ],
    [
      'unsupported',
      new ProviderError('unsupported', 'm', 'p'),
      501,
      'not_implemented',
      false,
      'upstream_error:not_implemented:unsupported',
    ],
  ])('%s', (_label, error, status, code, fallback, reason) => {
    const app = error.toAppError();
    expect([app.status, app.code, error.fallbackEligible, error.reason]).toEqual([status, code, fallback, reason]);
  });
});
