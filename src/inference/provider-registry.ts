import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ConfigError } from '../config/app-config.js';
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

/** One adapter per enabled provider, built once at boot and shared by all requests. */
@Injectable()
export class ProviderRegistry {
  private readonly logger = new Logger('ProviderRegistry');
  private readonly adapters = new Map<string, ChatProvider>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    for (const provider of config.providers) {
      const problem = OPTION_CHECKS[provider.type]?.(provider.options);
      if (problem) throw new ConfigError(`${config.gatewayConfigPath}: providers.${provider.name}.options: ${problem}`);
      if (!provider.enabled) {
        this.logger.warn(`provider ${provider.name} is off: ${provider.disabledReason}`);
        continue;
      }
      switch (provider.type) {
        case 'simulated':
          this.adapters.set(provider.name, new SimulatedProvider(provider));
          break;
        case 'openai':
        case 'openai_compatible':
          this.adapters.set(provider.name, new OpenAiProvider(provider));
          break;
        case 'anthropic':
          this.adapters.set(provider.name, new AnthropicProvider(provider));
          break;
        case 'azure_openai':
          this.adapters.set(provider.name, new AzureOpenAiProvider(provider));
          break;
        case 'ollama':
          this.adapters.set(provider.name, new OllamaProvider(provider));
          break;
        default:
          this.logger.warn(`provider ${provider.name}: type ${provider.type} has no adapter in this build; it is skipped`);
      }
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
