import type { ChatProvider } from './chat-provider.js';

/** An adapter that can say which models its upstream serves now (for `GET /v1/models`). */
export interface ModelLister {
  /** Provider-native model ids; throws a ProviderError when the upstream cannot say. */
  listModels(signal: AbortSignal): Promise<string[]>;
}

export function canListModels(adapter: ChatProvider): adapter is ChatProvider & ModelLister {
  return typeof (adapter as Partial<ModelLister>).listModels === 'function';
}

/** The string `key` of each entry of `list` (an upstream's model list), ignoring anything else. */
export function idsOf(list: unknown, key: string): string[] {
  if (!Array.isArray(list)) return [];
  return list
    .map((entry) => (entry && typeof entry === 'object' ? (entry as Record<string, unknown>)[key] : undefined))
    .filter((id): id is string => typeof id === 'string' && id.length > 0);
}
