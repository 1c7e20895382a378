import type { ProviderType } from '../config/gateway-config.schema.js';
import { NOOP_SPAN, type TraceSpan } from '../observability/tracing.js';
import type { Candidate } from './model-router.js';
import type { ProviderError } from './providers/provider-error.js';

/**
 * `gen_ai.provider.name` by provider type: the OpenTelemetry GenAI conventions' well-known values
 * where there is one (openai, anthropic, azure.ai.openai), else the type (a custom value).
 */
const GENAI_PROVIDERS: Record<ProviderType, string> = {
  openai: 'openai',
  azure_openai: 'azure.ai.openai',
  anthropic: 'anthropic',
  ollama: 'ollama',
  openai_compatible: 'openai_compatible',
  simulated: 'tally.simulated',
};

export function genAiProvider(type: ProviderType): string {
  return GENAI_PROVIDERS[type];
}

function server(baseUrl: string | undefined): { 'server.address'?: string; 'server.port'?: number } {
  if (!baseUrl) return {};
  const url = new URL(baseUrl);
  return { 'server.address': url.hostname, 'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80) };
}

/**
 * The span of one upstream attempt (one per candidate tried, so fallbacks show), a child of the
 * completion's span: a GenAI client span named for the provider-native model; INTERNAL for the
 * in-process simulated provider.
 */
export function startAttempt(
  parent: TraceSpan,
  operation: 'chat' | 'embeddings',
  candidate: Candidate,
  index: number,
): TraceSpan {
  if (parent === NOOP_SPAN) return NOOP_SPAN;
  const simulated = candidate.provider.type === 'simulated';
  return parent.child(`${operation} ${candidate.model}`, simulated ? 'internal' : 'client', {
    'gen_ai.operation.name': operation,
    'gen_ai.provider.name': genAiProvider(candidate.provider.type),
    'gen_ai.request.model': candidate.model,
    'tally.provider': candidate.provider.name,
    'tally.inference_tier': candidate.tier,
    'tally.candidate_role': candidate.role,
    'tally.attempt': index,
    ...(simulated ? {} : server(candidate.provider.baseUrl)),
  });
}

/** Ends a failed attempt with its routing-log reason (`upstream_error:…`) as `error.type`. */
export function failAttempt(span: TraceSpan, error: ProviderError): void {
  span.setAttributes({ 'tally.failure_reason': error.reason, 'http.response.status_code': error.upstreamStatus });
  span.fail(error.reason, error.message);
  span.end();
}
