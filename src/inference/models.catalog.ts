import { Injectable } from '@nestjs/common';
import type { ProviderConfig } from '../config/app-config.js';
import type { ProviderType } from '../config/gateway-config.schema.js';
import type { ModelRouter } from './model-router.js';
import { ModelsDiscovery } from './models.discovery.js';
import { RoutingTables } from './routing-table.js';

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  routed_inference_tier: number;
  resolves_to?: string;
  fallback_count?: number;
  /** Provider entries: the provider's type. */
  provider_type?: ProviderType;
  /** Discovered from the provider's own model list rather than configured. */
  live?: true;
}

/** Ollama answers `llama3.2:latest` for a model configured as `llama3.2`: the same model. */
function sameModel(type: ProviderType, a: string, b: string): boolean {
  if (a === b) return true;
  return type === 'ollama' && a.replace(/:latest$/, '') === b.replace(/:latest$/, '');
}

/**
 * `GET /v1/models`: every alias, then every configured model of every provider that is switched on,
 * then the models those providers report live that are not configured already.
 */
@Injectable()
export class ModelsCatalog {
  constructor(
    private readonly routing: RoutingTables,
    private readonly discovery: ModelsDiscovery,
  ) {}

  async list(): Promise<ModelEntry[]> {
    const routing = this.routing.current;
    const { config, router, providers } = routing;
    const live = await this.discovery.live(routing);
    const entries: ModelEntry[] = [];
    for (const alias of Object.keys(config.aliases)) {
      const resolution = router.resolve(alias);
      if (!resolution.ok) continue;
      const usable = resolution.candidates.find((c) => providers.get(c.provider.name)) ?? resolution.candidates[0];
      entries.push({
        id: alias,
        object: 'model',
        created: 0,
        owned_by: 'tally',
        routed_inference_tier: usable.tier,
        resolves_to: `${usable.provider.name}/${usable.model}`,
        fallback_count: resolution.candidates.length - 1,
      });
    }
    const enabled = config.providers.filter((provider) => providers.get(provider.name));
    for (const provider of enabled) {
      for (const model of provider.models) entries.push(providerEntry(router, provider, model));
    }
    for (const provider of enabled) {
      for (const model of live.get(provider.name) ?? []) {
        if (provider.models.some((configured) => sameModel(provider.type, configured, model))) continue;
        entries.push({ ...providerEntry(router, provider, model), live: true });
      }
    }
    return entries;
  }
}

function providerEntry(router: ModelRouter, provider: ProviderConfig, model: string): ModelEntry {
  return {
    id: `${provider.name}/${model}`,
    object: 'model',
    created: 0,
    owned_by: provider.name,
    routed_inference_tier: router.tierOf(provider, model),
    provider_type: provider.type,
  };
}
