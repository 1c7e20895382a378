import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { type AppConfig, loadConfig } from '../../src/config/app-config.js';
import { ConfigReloader } from '../../src/config/config-reloader.js';
import { GatewayConfigHolder } from '../../src/config/gateway-config.holder.js';
import { RoutingTables } from '../../src/inference/routing-table.js';
import { MetricsService } from '../../src/observability/metrics.service.js';

const dir = mkdtempSync(join(tmpdir(), 'tally-reloader-'));
const path = join(dir, 'gateway.yaml');
const env = { GATEWAY_CONFIG: path, UPSTREAM_URL: 'http://127.0.0.1:9/v1' };

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const V1 = `providers:
  - { name: sim, type: simulated, tier: 1, models: [s1, s2], options: { ttft_ms: 1, chunk_ms: 1 } }
  - { name: up, type: openai_compatible, base_url: "\${UPSTREAM_URL}", tier: 2, models: [m] }
aliases:
  chat: { primary: { provider: up, model: m } }
  old: { primary: { provider: sim, model: s1 } }
prices:
  "up/m": { input: 1, output: 1 }
`;
const V2 = `providers:
  - { name: sim, type: simulated, tier: 1, models: [s1, s2], options: { ttft_ms: 1, chunk_ms: 1 } }
  - { name: up, type: openai_compatible, base_url: http://127.0.0.1:10/v1, tier: 3, models: [m] }
aliases:
  chat: { primary: { provider: up, model: m } }
  fresh: { primary: { provider: sim, model: s2 } }
prices:
  "up/m": { input: 5, output: 5 }
limits: { max_messages: 7 }
`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

function boot(yaml: string) {
  writeFileSync(path, yaml);
  const config: AppConfig = loadConfig(env, dir);
  const holder = new GatewayConfigHolder(config);
  const tables = new RoutingTables(holder);
  const metrics = new MetricsService();
  return { config, holder, tables, metrics, reloader: new ConfigReloader(config, env, holder, metrics) };
}

describe('ConfigReloader (no signals)', () => {
  it('swaps a good file in for new readers; a table taken before keeps its routes, prices and adapters', async () => {
    const { holder, tables, reloader } = boot(V1);
    const before = tables.current;
    expect(reloader.status()).toMatchObject({ version: 1, sha256: sha(V1), reloads: 0, last_reload_error: null });

    writeFileSync(path, V2);
    const result = await reloader.reload('test');
    expect(result.outcome).toBe('reloaded');
    const after = tables.current;
    expect(after).not.toBe(before);
    expect(holder.current.version).toBe(2);
    expect(holder.current.limits.max_messages).toBe(7);
    expect(reloader.status()).toMatchObject({ version: 2, sha256: sha(V2), reloads: 1, last_reload_error: null });

    // The old table is untouched: what an in-flight completion holds.
    expect(before.config.version).toBe(1);
    expect(before.router.resolve('old').ok).toBe(true);
    expect(before.router.resolve('fresh').ok).toBe(false);
    expect(before.pricing.cost('up', 'm', 1_000_000, 0)).toBe('1.000000000000');
    expect(after.router.resolve('old').ok).toBe(false);
    expect(after.router.resolve('fresh').ok).toBe(true);
    expect(after.pricing.cost('up', 'm', 1_000_000, 0)).toBe('5.000000000000');
    const tierOf = (t: typeof before) => {
      const r = t.router.resolve('chat');
      return r.ok ? r.candidates[0].tier : null;
    };
    expect([tierOf(before), tierOf(after)]).toEqual([2, 3]);

    // The unchanged provider keeps its adapter (and connection pool); the changed one gets a new one.
    expect(after.providers.get('sim')).toBe(before.providers.get('sim'));
    expect(after.providers.get('up')).not.toBe(before.providers.get('up'));
    expect(before.providers.get('up')).toBeDefined();
  });

  it('refuses a bad file with the start-up message and keeps serving the old one', async () => {
    const { holder, tables, reloader } = boot(V1);
    const served = tables.current;
    const bad: [string, RegExp][] = [
      ['providers: [ { name: sim', /cannot be read as YAML/],
      [`${V1}unknown_key: 1\n`, /\(root\): Unrecognized key: "unknown_key"/],
      [
        V1.replace('provider: sim, model: s1', 'provider: nope, model: s1'),
        /aliases\.old\.primary\.provider: unknown provider "nope"/,
      ],
      [V1.replace('chunk_ms: 1 }', 'chunk_ms: -1 }'), /providers\.sim\.options: chunk_ms/],
    ];
    for (const [yaml, detail] of bad) {
      writeFileSync(path, yaml);
      let startup = '';
      try {
        // What start-up says about the same file (the options check runs when the adapters are built).
        new RoutingTables(new GatewayConfigHolder(loadConfig(env, dir)));
      } catch (error) {
        startup = `invalid configuration\n${(error as Error).message}`;
      }
      expect(startup).toMatch(detail);
      const result = await reloader.reload('test');
      expect(result).toMatchObject({ outcome: 'rejected', message: startup });
      expect(tables.current).toBe(served);
      expect(holder.current.version).toBe(1);
      expect(reloader.status()).toMatchObject({ version: 1, sha256: sha(V1), reloads: 0 });
      expect(reloader.status().last_reload_error?.message).toMatch(detail);
      expect(reloader.status().last_reload_error?.message).not.toContain(dir);
    }
    writeFileSync(path, V1);
    expect((await reloader.reload('test')).outcome).toBe('unchanged');
    expect(reloader.status()).toMatchObject({ version: 1, reloads: 0, last_reload_error: null });
  });

  it('runs reloads one at a time, in the order asked, and counts them by result in /metrics', async () => {
    const { holder, reloader, metrics } = boot(V1);
    writeFileSync(path, V2);
    const results = await Promise.all([reloader.reload('a'), reloader.reload('b'), reloader.reload('c')]);
    expect(results.map((r) => r.outcome)).toEqual(['reloaded', 'unchanged', 'unchanged']);
    expect(holder.current.version).toBe(2);
    expect(reloader.status().reloads).toBe(1);
    writeFileSync(path, 'providers: [ { name: sim');
    expect((await reloader.reload('d')).outcome).toBe('rejected');
    const text = await metrics.render();
    expect(text).toContain('tally_config_reloads_total{result="reloaded"} 1');
    expect(text).toContain('tally_config_reloads_total{result="unchanged"} 2');
    expect(text).toContain('tally_config_reloads_total{result="rejected"} 1');
    expect(text).toContain('tally_config_version 2');
  });
});
