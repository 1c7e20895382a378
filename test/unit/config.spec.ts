import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from '../../src/config/app-config.js';
import { ModelRouter } from '../../src/inference/model-router.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-config-'));
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  return loadConfig({ GATEWAY_CONFIG: join(dir, 'gateway.yaml'), ...env });
}

const SIM = `providers:
  - { name: sim, type: simulated, tier: 1, models: [m1, shared] }
  - { name: other, type: openai_compatible, base_url: "http://127.0.0.1:9/v1", models: [m2, shared] }
`;

describe('configuration', () => {
  it('loads the default config/gateway.yaml with no keys, turning keyed providers off', () => {
    const config = loadConfig({});
    expect(config.providers.find((p) => p.name === 'local-sim')?.enabled).toBe(true);
    const openai = config.providers.find((p) => p.name === 'openai');
    expect(openai?.enabled).toBe(false);
    expect(openai?.disabledReason).toContain('OPENAI_API_KEY');
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.aliases)).toBe(true);
  });

  it('switches a provider on when its key variable is set', () => {
    const config = loadConfig({ OPENAI_API_KEY: 'sk-test' });
    expect(config.providers.find((p) => p.name === 'openai')).toMatchObject({
      enabled: true,
      apiKey: 'sk-test',
    });
  });

  it('switches the sample Azure and Ollama entries on with their variables, and leaves them off without', () => {
    const off = loadConfig({});
    expect(off.providers.find((p) => p.name === 'azure-eu')).toMatchObject({ enabled: false, apiVersion: '2024-10-21' });
    expect(off.providers.find((p) => p.name === 'ollama-local')?.enabled).toBe(false);
    const on = loadConfig({
      AZURE_OPENAI_API_KEY: 'az-key',
      AZURE_OPENAI_ENDPOINT: 'https://tally-test.openai.azure.com',
      OLLAMA_ENABLED: 'true',
      OLLAMA_BASE_URL: 'http://10.0.0.5:11434',
    });
    expect(on.providers.find((p) => p.name === 'azure-eu')).toMatchObject({
      enabled: true,
      apiKey: 'az-key',
      baseUrl: 'https://tally-test.openai.azure.com',
    });
    expect(on.providers.find((p) => p.name === 'ollama-local')).toMatchObject({
      enabled: true,
      baseUrl: 'http://10.0.0.5:11434',
    });
  });

  it('names the key and the problem for a bad file', () => {
    expect(() => load(`${SIM}limits: { max_messages: -1 }`)).toThrow(/limits\.max_messages/);
    expect(() => load('providers:\n  - { name: x, type: nope }')).toThrow(/providers\.0\.type/);
    expect(() => load(`${SIM}surprise: 1`)).toThrow(ConfigError);
    expect(() => load(`${SIM}aliases:\n  a: { primary: { provider: ghost, model: m } }`)).toThrow(
      /aliases\.a\.primary\.provider: unknown provider "ghost"/,
    );
  });

  it('rejects alias cycles and chains deeper than 8', () => {
    expect(() =>
      load(`${SIM}aliases:\n  a: { primary: { provider: sim, model: b } }\n  b: { primary: { provider: sim, model: a } }`),
    ).toThrow(/alias cycle/);
    const chain = Array.from({ length: 10 }, (_, i) => `  a${i}: { primary: { provider: sim, model: a${i + 1} } }`).join('\n');
    expect(() => load(`${SIM}aliases:\n${chain}`)).toThrow(/deeper than 8/);
  });

  it('takes an alias named like its own model as that provider model, also at the end of a chain', () => {
    const config = load(`${SIM}aliases:
  m1: { primary: { provider: sim, model: m1 } }
  top: { primary: { provider: sim, model: m1 } }
  twice: { primary: { provider: sim, model: a2 } }
  a2: { primary: { provider: sim, model: a3 } }
  a3: { primary: { provider: sim, model: m1 } }
`);
    const router = new ModelRouter(config);
    for (const name of ['m1', 'top', 'twice']) {
      const r = router.resolve(name);
      expect(r.ok && r.candidates.map((c) => `${c.provider.name}/${c.model}`)).toEqual(['sim/m1']);
    }
    // A real cycle through two or more aliases is still refused, named in full.
    expect(() =>
      load(
        `${SIM}aliases:\n  a: { primary: { provider: sim, model: b } }\n  b: { primary: { provider: sim, model: c } }\n  c: { primary: { provider: sim, model: a } }`,
      ),
    ).toThrow('aliases.a: alias cycle a -> b -> c -> a');
  });

  it('rejects bad environment values, naming the variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/environment: PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });

  it('expands ${VAR} and ${VAR:-default}, re-parsing whole-scalar values', () => {
    const config = load(
      'providers:\n  - { name: v, type: openai_compatible, base_url: "${BASE:-http://127.0.0.1:8000}/v1", enabled: "${ON:-false}", models: [x] }\n',
    );
    expect(config.providers[0]).toMatchObject({ baseUrl: 'http://127.0.0.1:8000/v1', enabled: false });
    expect(() => load('providers:\n  - { name: v, type: openai_compatible, base_url: "${MISSING_VAR}", models: [x] }\n')).toThrow(
      /MISSING_VAR is not set/,
    );
  });

  describe('model resolution', () => {
    const config = load(`${SIM}aliases:
  inner: { primary: { provider: sim, model: m1 } }
  outer:
    primary: { provider: sim, model: inner }
    fallback: [{ provider: other, model: m2 }, { provider: sim, model: m1 }]
tiers:
  defaults: { openai_compatible: 3 }
  overrides: { "other/m2": 2 }
`);
    const router = new ModelRouter(config);

    it('follows alias chains, appends fallbacks, skips duplicates', () => {
      const r = router.resolve('outer');
      expect(r.ok && r.candidates.map((c) => [c.provider.name, c.model, c.tier, c.role])).toEqual([
        ['sim', 'm1', 1, 'primary'],
        ['other', 'm2', 2, 'fallback'],
      ]);
    });

    it('resolves provider/model and a bare model listed by one provider', () => {
      const a = router.resolve('other/anything');
      expect(a.ok && a.candidates[0]).toMatchObject({ model: 'anything', tier: 3 });
      const b = router.resolve('m2');
      expect(b.ok && b.candidates[0].provider.name).toBe('other');
    });

    it('refuses an unknown or ambiguous model', () => {
      expect(router.resolve('nope').ok).toBe(false);
      const shared = router.resolve('shared');
      expect(shared.ok).toBe(false);
      expect(!shared.ok && shared.message).toContain('several providers');
      expect(router.resolve('ghost/m').ok).toBe(false);
    });
  });
});
