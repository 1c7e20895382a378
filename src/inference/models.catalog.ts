import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ModelRouter } from './model-router.js';
import { ProviderRegistry } from './provider-registry.js';

export interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  routed_inference_tier: number;
  resolves_to?: string;
  fallback_count?: number;
}

/** `GET /v1/models`: every alias, then every model of every provider that is switched on. */
@Injectable()
export class ModelsCatalog {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly router: ModelRouter,
    private readonly providers: ProviderRegistry,
  ) {}

  list(): ModelEntry[] {
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
    for (const provider of this.config.providers) {
      if (!this.providers.get(provider.name)) continue;
      for (const model of provider.models) {
        entries.push({
          id: `${provider.name}/${model}`,
          object: 'model',
          created: 0,
          owned_by: provider.name,
          routed_inference_tier: this.router.tierOf(provider, model),
        });
      }
    }
    return entries;
  }
}
