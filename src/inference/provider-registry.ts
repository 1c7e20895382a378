import { isDeepStrictEqual } from 'node:util';
import { Logger } from '@nestjs/common';
import { ConfigError, type GatewayConfig, type ProviderConfig } from '../config/app-config.js';
import type { ProviderType } from '../config/gateway-config.schema.js';
import { AnthropicProvider } from './providers/anthropic.provider.js';
import { AzureOpenAiProvider } from './providers/azure-openai.provider.js';
import type { ChatProvider } from './providers/chat-provider.js';
import { canEmbed, type EmbeddingsProvider } from './providers/embeddings-provider.js';
import { OllamaProvider } from './providers/ollama.provider.js';
import { OpenAiProvider } from './providers/openai.provider.js';
import { SimulatedProvider } from './providers/simulated.provider.js';

/** Type-specific `options` checks, run for every entry (switched on or not) so a bad file fails at boot. */
const OPTION_CHECKS: Partial<Record<ProviderType, (options: unknown) => string | undefined>> = {
  simulated: SimulatedProvider.validateOptions,
  anthropic: AnthropicProvider.validateOptions,
};

/**
 * One adapter per enabled provider of one configuration version, shared by all its requests. Built
 * at boot and again for every reload, which keeps the adapter (and its connection pool) of an entry
 * that did not change and builds new ones for the rest; a replaced adapter stays with the completions
 * that hold the old version until they end.
 */
export class ProviderRegistry {
  private readonly logger = new Logger('ProviderRegistry');
  private readonly adapters = new Map<string, ChatProvider>();
  private readonly configs = new Map<string, ProviderConfig>();

  constructor(config: Pick<GatewayConfig, 'providers' | 'gatewayConfigPath'>, previous?: ProviderRegistry) {
    for (const provider of config.providers) {
      const problem = OPTION_CHECKS[provider.type]?.(provider.options);
      if (problem) throw new ConfigError(`${config.gatewayConfigPath}: providers.${provider.name}.options: ${problem}`);
    }
    for (const provider of config.providers) {
      if (!provider.enabled) {
        this.logger.warn(`provider ${provider.name} is off: ${provider.disabledReason}`);
        continue;
      }
      const kept = previous?.configs.get(provider.name);
      const same = kept !== undefined && isDeepStrictEqual(kept, provider);
      const adapter = same ? previous!.adapters.get(provider.name) : this.build(provider);
      if (!adapter) continue;
      this.adapters.set(provider.name, adapter);
      this.configs.set(provider.name, same ? kept : provider);
    }
  }

  private build(provider: ProviderConfig): ChatProvider | undefined {
    switch (provider.type) {
      case 'simulated':
        return new SimulatedProvider(provider);
      case 'openai':
      case 'openai_compatible':
        return new OpenAiProvider(provider);
      case 'anthropic':
        return new AnthropicProvider(provider);
      case 'azure_openai':
        return new AzureOpenAiProvider(provider);
      case 'ollama':
        return new OllamaProvider(provider);
      default:
        this.logger.warn(`provider ${provider.name}: type ${provider.type} has no adapter in this build; it is skipped`);
        return undefined;
    }
  }

  get(name: string): ChatProvider | undefined {
    return this.adapters.get(name);
  }

  /** The adapter of `name` when it is switched on and its type can embed. */
  embedder(name: string): (ChatProvider & EmbeddingsProvider) | undefined {
    const adapter = this.adapters.get(name);
    return adapter && canEmbed(adapter) ? adapter : undefined;
  }
}
