import type { ProviderConfig } from '../../config/app-config.js';
import type { ChatCompletionChunk } from '../openai.types.js';
import { OpenAiProvider } from './openai.provider.js';

/**
 * Azure OpenAI: OpenAI's wire format at deployment paths. The provider-native model is the deployment
 * name (`POST {base_url}/openai/deployments/{deployment}/chat/completions?api-version=…`, also sent as
 * `model` in the body), and the key goes in an `api-key` header.
 */
export class AzureOpenAiProvider extends OpenAiProvider {
  private readonly apiVersion: string;

  constructor(config: ProviderConfig) {
    super(config);
    if (!config.apiVersion) throw new Error(`provider ${config.name}: azure_openai needs api_version`);
    this.apiVersion = config.apiVersion;
  }

  protected override chatUrl(deployment: string): URL {
    return this.deploymentUrl(deployment, 'chat/completions');
  }

  protected override embedUrl(deployment: string): URL {
    return this.deploymentUrl(deployment, 'embeddings');
  }

  protected override authHeaders(): Record<string, string> {
    return this.config.apiKey ? { 'api-key': this.config.apiKey } : {};
  }

  /**
   * Azure opens a stream with a `prompt_filter_results` frame that has no choices, an empty id, model
   * and object: it carries nothing a client reads, so it is dropped. Later frames get the deployment
   * as `model` when Azure leaves it empty.
   */
  protected override adjustChunk(chunk: ChatCompletionChunk, deployment: string): ChatCompletionChunk | null {
    if (chunk.choices.length === 0 && !chunk.usage) return null;
    if (chunk.model && chunk.object) return chunk;
    // A new object: the upstream's text no longer describes it (see OpenAiProvider.adjustChunk).
    return { ...chunk, model: chunk.model || deployment, object: chunk.object || 'chat.completion.chunk' };
  }

  /**
   * Azure's data plane lists the models the resource may deploy (`/openai/models`), not its
   * deployments, and requests go to deployments; listing those needs the management API and another
   * credential. So an Azure entry shows its configured deployments only.
   */
  override async listModels(): Promise<string[]> {
    return [];
  }

  private deploymentUrl(deployment: string, operation: string): URL {
    const url = new URL(`${this.config.baseUrl}/openai/deployments/${encodeURIComponent(deployment)}/${operation}`);
    url.searchParams.set('api-version', this.apiVersion);
    return url;
  }
}
