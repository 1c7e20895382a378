import { Injectable, Logger } from '@nestjs/common';
import type { ProviderConfig } from '../config/app-config.js';
import type { ChatProvider } from './providers/chat-provider.js';
import { canListModels, type ModelLister } from './providers/model-lister.js';
import type { RoutingTable } from './routing-table.js';

/** How long a provider's model list is reused. */
export const LIVE_MODELS_TTL_MS = 60_000;
/** How long a failed lookup is remembered (so a provider that is down does not slow every call). */
export const LIVE_MODELS_FAILURE_TTL_MS = 10_000;
/** The longest a lookup may take (shorter when the provider's own `timeout_s` is). */
export const LIVE_MODELS_TIMEOUT_MS = 2_000;

interface CacheEntry {
  expires: number;
  models: Promise<readonly string[]>;
}

/**
 * The models each enabled provider serves now, asked of the providers themselves (`GET /models`,
 * Anthropic's `/v1/models`, Ollama's `/api/tags`), concurrently, each within a short timeout and
 * cached per adapter (a reload that changes a provider builds a new adapter, so its list is asked
 * afresh). A provider that fails or is slow contributes nothing; lookups never throw.
 */
@Injectable()
export class ModelsDiscovery {
  private readonly logger = new Logger('ModelsDiscovery');
  private readonly cache = new WeakMap<ChatProvider, CacheEntry>();

  /** Provider name → its live models, for every enabled provider of `routing` whose adapter can list them. */
  async live(routing: RoutingTable): Promise<Map<string, readonly string[]>> {
    const lookups = routing.config.providers.flatMap((provider) => {
      const adapter = routing.providers.get(provider.name);
      return adapter && canListModels(adapter)
        ? [this.lookup(provider, adapter).then((models) => [provider.name, models] as const)]
        : [];
    });
    return new Map(await Promise.all(lookups));
  }

  private lookup(provider: ProviderConfig, lister: ChatProvider & ModelLister): Promise<readonly string[]> {
    const cached = this.cache.get(lister);
    if (cached && cached.expires > Date.now()) return cached.models;
    const entry: CacheEntry = { expires: Date.now() + LIVE_MODELS_TTL_MS, models: Promise.resolve([]) };
    entry.models = lister
      .listModels(AbortSignal.timeout(Math.min(LIVE_MODELS_TIMEOUT_MS, provider.timeoutMs)))
      .then((models) => [...new Set(models)])
      .catch((error: unknown) => {
        entry.expires = Date.now() + LIVE_MODELS_FAILURE_TTL_MS;
        this.logger.warn(`provider ${provider.name}: model list unavailable: ${(error as Error)?.message ?? error}`);
        return [];
      });
    this.cache.set(lister, entry);
    return entry.models;
  }
}
