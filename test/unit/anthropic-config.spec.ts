import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { ProviderRegistry } from '../../src/inference/provider-registry.js';
import { AnthropicProvider } from '../../src/inference/providers/anthropic.provider.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-config-'));
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  return loadConfig({ GATEWAY_CONFIG: join(dir, 'gateway.yaml'), ...env });
}

const entry = (extra = '') => `providers:
  - name: anthropic-prod
    type: anthropic
    api_key_env: ANTHROPIC_API_KEY
    models: [claude-opus-4-7]
${extra}`;

describe('anthropic provider entries', () => {
  it('default base_url to https://api.anthropic.com and switch on with ANTHROPIC_API_KEY', () => {
    const off = load(entry()).providers[0];
    expect(off).toMatchObject({ type: 'anthropic', baseUrl: 'https://api.anthropic.com', enabled: false });
    expect(off.disabledReason).toContain('ANTHROPIC_API_KEY');
    const on = load(entry(), { ANTHROPIC_API_KEY: 'sk-ant-x' }).providers[0];
    expect(on).toMatchObject({ enabled: true, apiKey: 'sk-ant-x' });
  });

  it('take a base_url as the provider root, trailing slash trimmed', () => {
    const config = load(entry('    base_url: https://proxy.example.com/anthropic/\n'));
    expect(config.providers[0].baseUrl).toBe('https://proxy.example.com/anthropic');
  });

  it('validate options at boot: default_max_tokens, nothing unknown', () => {
    const boot = (options: string) => new ProviderRegistry(load(entry(`    options: ${options}\n`), { ANTHROPIC_API_KEY: 'k' }));
    expect(() => boot('{ default_max_tokens: 8192 }')).not.toThrow();
    expect(() => boot('{ default_max_tokens: 0 }')).toThrow(ConfigError);
    expect(() => boot('{ default_max_tokens: 0 }')).toThrow(/providers\.anthropic-prod\.options: default_max_tokens/);
    expect(() => boot('{ max_tokenz: 10 }')).toThrow(/providers\.anthropic-prod\.options/);
    expect(AnthropicProvider.validateOptions({})).toBeUndefined();
  });

  it('get an adapter only when switched on', () => {
    expect(new ProviderRegistry(load(entry())).get('anthropic-prod')).toBeUndefined();
    expect(new ProviderRegistry(load(entry(), { ANTHROPIC_API_KEY: 'k' })).get('anthropic-prod')).toBeInstanceOf(
      AnthropicProvider,
    );
  });
});

describe('prices with cache_read and cache_write', () => {
  const priced = (price: string) => load(`${entry()}prices:\n  "anthropic-prod/claude-opus-4-7": ${price}\n`);

  it('are optional, per million tokens', () => {
    expect(priced('{ input: 15, output: 75 }').prices['anthropic-prod/claude-opus-4-7']).toEqual({ input: 15, output: 75 });
    expect(
      priced('{ input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 }').prices['anthropic-prod/claude-opus-4-7'],
    ).toEqual({
      input: 15,
      output: 75,
      cache_read: 1.5,
      cache_write: 18.75,
    });
  });

  it('are refused when negative or misspelt, naming the key', () => {
    expect(() => priced('{ input: 15, output: 75, cache_read: -1 }')).toThrow(
      /prices\.anthropic-prod\/claude-opus-4-7\.cache_read/,
    );
    expect(() => priced('{ input: 15, output: 75, cache_reads: 1 }')).toThrow(/prices\.anthropic-prod\/claude-opus-4-7/);
  });
});
