import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, type ProviderConfig } from '../config/app-config.js';
import type { ProviderType } from '../config/gateway-config.schema.js';
import { ModelRouter } from './model-router.js';
import { ModelsDiscovery } from './models.discovery.js';
import { ProviderRegistry } from './provider-registry.js';

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
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: ModelRouter,
    private readonly providers: ProviderRegistry,
    private readonly discovery: ModelsDiscovery,
  ) {}

  async list(): Promise<ModelEntry[]> {
    const live = await this.discovery.live();
    const entries: ModelEntry[] = [];
    for (const alias of Object.keys(this.config.aliases)) {
      const resolution = this.router.resolve(alias);
      if (!resolution.ok) continue;
      const usable = resolution.candidates.find((c) => this.providers.get(c.provider.name)) ?? resolution.candidates[0];
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
    const enabled = this.config.providers.filter((provider) => this.providers.get(provider.name));
    for (const provider of enabled) {
      for (const model of provider.models) entries.push(this.providerEntry(provider, model));
    }
    for (const provider of enabled) {
      for (const model of live.get(provider.name) ?? []) {
        if (provider.models.some((configured) => sameModel(provider.type, configured, model))) continue;
        entries.push({ ...this.providerEntry(provider, model), live: true });
      }
    }
    return entries;
  }

  private providerEntry(provider: ProviderConfig, model: string): ModelEntry {
    return {
      id: `${provider.name}/${model}`,
      object: 'model',
      created: 0,
      owned_by: provider.name,
      routed_inference_tier: this.router.tierOf(provider, model),
      provider_type: provider.type,
    };
  }
}
