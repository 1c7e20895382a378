import { USAGE_GROUPS } from '../admin/dto/usage.dto.js';
import { ALL_ENTITY_TYPES } from '../anonymization/types.js';
import { EVENT_KINDS } from '../chats/receipt-event.js';
import { ErrorCode } from '../common/app-error.js';
import { ROUTING_LOG_COLUMNS } from '../routing-log/routing-log.row.js';
import type { Content, OpenApiDocument, Parameter, Reference, Response, Schema } from './openapi.types.js';

/**
 * The OpenAPI 3.1 document of every route in docs/api.md, written by hand (no decorators on the
 * controllers). test/openapi.spec.ts fails when a route Nest serves is missing here, or the reverse.
 */

const ref = (name: string): Reference => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Schema): Schema => ({
  ...schema,
  type: [...(Array.isArray(schema.type) ? schema.type : [schema.type ?? 'string']), 'null'],
});
const str = (description?: string): Schema => (description ? { type: 'string', description } : { type: 'string' });
const int = (description?: string): Schema => (description ? { type: 'integer', description } : { type: 'integer' });
const uuid: Schema = { type: 'string', format: 'uuid' };
const dateTime: Schema = { type: 'string', format: 'date-time', examples: ['2026-11-26T08:00:00.123Z'] };
const tier: Schema = {
  type: 'integer',
  minimum: 1,
  maximum: 5,
  description: 'Inference tier: 1 is the strongest, 5 the weakest.',
};
const outcome: Schema = { type: 'string', enum: ['completed', 'failed', 'refused', 'client_closed', 'shutdown'] };
const entityCounts: Schema = {
  type: ['object', 'null'],
  description: 'Distinct entities replaced, per type. Original values are never stored.',
  additionalProperties: { type: 'integer', minimum: 0 },
  examples: [{ PERSON: 2, EMAIL_ADDRESS: 1 }],
};

/** An object whose listed properties are all required (every key always present, `null` when unknown). */
function record(properties: Record<string, Schema | Reference>, extra: Partial<Schema> = {}): Schema {
  return { type: 'object', properties, required: Object.keys(properties), ...extra };
}

function page(item: string): Schema {
  return record({
    items: { type: 'array', items: ref(item) },
    next_cursor: nullable(str('Opaque; pass as `cursor` for the next page. Null on the last page.')),
  });
}

const json = (schema: Schema | Reference): Content => ({ 'application/json': { schema } });

function ok(description: string, schema: Schema | Reference): Response {
  return { description, content: json(schema) };
}

const ERRORS: Record<string, { status: string; description: string }> = {
  BadRequest: { status: '400', description: 'Invalid request: bad JSON, schema failure, malformed id or query parameter.' },
  Unauthorized: { status: '401', description: 'Missing or wrong API key.' },
  Forbidden: { status: '403', description: 'Authenticated but not allowed (a member on /admin/*).' },
  NotFound: { status: '404', description: 'No such resource, or one the caller may not see.' },
  PayloadTooLarge: { status: '413', description: 'Body over the size limit.' },
  RateLimited: {
    status: '429',
    description:
      'Per-key or per-user rate limit (`rate_limit_exceeded`), upstream 429 after fallbacks, or on completions a used-up spend ' +
      'budget (`budget_exceeded`, details `limit_usd`, `period`, `scope`; the completion has a `refused` row).',
  },
  InternalError: { status: '500', description: 'A bug; the message is generic and details carry the request id.' },
};

/** The error answers of an operation, by component name. */
function errors(...names: (keyof typeof ERRORS)[]): Record<string, Reference> {
  return Object.fromEntries(names.map((name) => [ERRORS[name].status, { $ref: `#/components/responses/${name}` }]));
}

/** Every authenticated route can answer these. */
const AUTHED = ['Unauthorized', 'RateLimited', 'InternalError'] as const;

const idParam = (name: string, description: string): Parameter => ({
  name,
  in: 'path',
  required: true,
  description: `${description} A malformed UUID is 400.`,
  schema: uuid,
});

const query = (name: string, schema: Schema, description?: string): Parameter => ({
  name,
  in: 'query',
  required: false,
  schema,
  ...(description ? { description } : {}),
});

const pageParams = [{ $ref: '#/components/parameters/Limit' }, { $ref: '#/components/parameters/Cursor' }];

const SSE_FRAMING =
  'Every event is `data: <compact JSON>\\n\\n`; the stream ends with `data: [DONE]\\n\\n`. An error after the stream ' +
  'started is a frame `data: {"error":{...}}` followed by `data: [DONE]`, never an `event: error` frame.';

const routeHeaders = {
  'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
  'X-Completion-Id': { $ref: '#/components/headers/X-Completion-Id' },
  'X-Routed-Provider': { description: 'The provider that answered.', schema: { type: 'string' } },
  'X-Routed-Inference-Tier': { description: 'Its inference tier.', schema: { type: 'string', pattern: '^[1-5]$' } },
} satisfies Response['headers'];

const routingLogRowProperties: Record<(typeof ROUTING_LOG_COLUMNS)[number], Schema | Reference> = {
  id: { ...uuid, description: 'The completion id (`X-Completion-Id`).' },
  request_id: str(),
  timestamp: { ...dateTime, description: 'Arrival of the request.' },
  user_id: uuid,
  chat_id: nullable(uuid),
  message_id: nullable(uuid),
  requested_model: nullable(str()),
  routed_provider: str(),
  routed_model: str(),
  routed_inference_tier: tier,
  stream: { type: 'boolean' },
  outcome,
  tokens_in: nullable(int()),
  tokens_out: nullable(int()),
  cost_usd: nullable({ type: 'number', description: 'USD; null when the model has no price.' }),
  latency_ms: nullable(int('Arrival to row.')),
  ttft_ms: nullable(int('Arrival to first content delta.')),
  refused: { type: 'boolean' },
  refusal_reason: nullable(str()),
  error_code: nullable(str('The client-facing error code of a failed completion.')),
  error_reason: nullable(str('`upstream_error:<code>[:status=N]:<kind>`.')),
  anonymization_applied: { type: 'boolean' },
  anonymized_entities: entityCounts,
  anonymization_skip_reason: nullable({
    type: 'string',
    enum: ['disabled', 'tier_not_in_apply_at_tiers', 'privileged', 'request_opt_out', null],
  }),
  fallbacks: { type: 'array', items: ref('FallbackAttempt') },
  purpose: str(),
  api_key_id: nullable({ ...uuid, description: 'The API key that made the call (its id); null on rows older than the column.' }),
};

const inferenceDetailProperties: Record<string, Schema | Reference> = {
  provider: str(),
  model: str(),
  tier,
  tokens_in: nullable(int()),
  tokens_out: nullable(int()),
  latency_ms: nullable(int()),
  refused: { type: 'boolean' },
  refusal_reason: nullable(str()),
  anonymization_applied: { type: 'boolean' },
  message_id: nullable(uuid),
  request_id: str(),
  outcome,
  ttft_ms: nullable(int()),
  cost_usd: nullable({ type: 'number' }),
  anonymized_entities: entityCounts,
  completion_id: uuid,
};

const usageSums: Record<string, Schema | Reference> = {
  completions: int('Routing-log rows: every completion that passed validation, whatever its outcome.'),
  tokens_in: int(),
  tokens_out: int(),
  cost_usd: nullable({ type: 'number', description: 'USD; null when no row of the group has a price.' }),
  outcomes: ref('OutcomeCounts'),
};

export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tally',
    version: '0.1.0',
    description:
      'OpenAI-compatible LLM gateway and chat backend that keeps a receipt for every turn. ' +
      'Every response carries `X-Request-Id` (the caller’s `X-Request-Id` or `X-Correlation-Id`, else a minted one). ' +
      'Timestamps are ISO-8601 UTC with `Z`. Unknown JSON fields are accepted on `/v1/*` and rejected elsewhere.',
  },
  servers: [{ url: '/', description: 'This server' }],
  tags: [
    { name: 'operations', description: 'Health, readiness, metrics and this document.' },
    { name: 'inference', description: 'OpenAI-compatible inference.' },
    { name: 'chats', description: 'Chats and turns (owner only).' },
    { name: 'receipts', description: 'Receipts: rebuilt from the source tables on every read.' },
    { name: 'admin', description: 'Role `admin` only; members get 403.' },
  ],
  security: [{ bearerAuth: [] }],
  paths: {
    '/health': {
      get: {
        operationId: 'getHealth',
        summary: 'Liveness',
        tags: ['operations'],
        security: [],
        responses: { '200': ok('The process runs.', record({ status: { type: 'string', const: 'ok' } })) },
      },
    },
    '/ready': {
      get: {
        operationId: 'getReady',
        summary: 'Readiness: the database answers and the config is loaded (with its version and hash)',
        tags: ['operations'],
        security: [],
        responses: {
          '200': ok('Ready.', ref('Readiness')),
          '503': ok('Not ready (the database does not answer).', ref('Readiness')),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        security: [],
        responses: {
          '200': {
            description: 'Prometheus text exposition format 0.0.4.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document',
        tags: ['operations'],
        security: [],
        responses: {
          '200': ok('OpenAPI 3.1.', { type: 'object', description: 'An OpenAPI 3.1 document.' }),
        },
      },
    },
    '/docs': {
      get: {
        operationId: 'getDocs',
        summary: 'Interactive API reference (Swagger UI) for this document',
        tags: ['operations'],
        security: [],
        responses: {
          '200': {
            description:
              'HTML; Swagger UI served from this service (built with the console), reading `/openapi.json`. Loads nothing from elsewhere.',
            content: { 'text/html': { schema: { type: 'string' } } },
          },
          '503': {
            description: 'The console build (`npm run build:web`) is missing.',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
        },
      },
    },

    '/v1/chat/completions': {
      post: {
        operationId: 'createChatCompletion',
        summary: 'Create a chat completion (OpenAI Chat Completions API, streamed or not)',
        description:
          `With \`stream: true\` the answer is \`text/event-stream\` of \`ChatCompletionChunk\` frames. ${SSE_FRAMING} ` +
          '`usage` arrives in the final chunk only when `stream_options.include_usage` is true. Errors before the stream ' +
          'starts (including tier refusals) are an HTTP status with the JSON envelope. By the time the client reads ' +
          '`data: [DONE]` or the JSON body, the routing-log row is committed.',
        tags: ['inference'],
        requestBody: { required: true, content: json(ref('ChatCompletionRequest')) },
        responses: {
          '200': {
            description: 'The completion (`stream` false) or its SSE stream (`stream` true).',
            headers: routeHeaders,
            content: {
              'application/json': { schema: ref('ChatCompletion') },
              'text/event-stream': {
                schema: {
                  type: 'string',
                  description: `Frames whose data is a \`ChatCompletionChunk\` (or an \`ErrorEnvelope\`), then \`[DONE]\`. ${SSE_FRAMING}`,
                },
                example:
                  'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764140000,"model":"sim-small","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"routed_provider":"local-sim","routed_inference_tier":1}\n\ndata: [DONE]\n\n',
              },
            },
          },
          ...errors('BadRequest', ...AUTHED, 'PayloadTooLarge'),
          '403': {
            description: '`tier_below_minimum`: no candidate meets the floor (always JSON, also for `stream: true`).',
            content: json(ref('ErrorEnvelope')),
          },
          '501': { description: '`not_implemented`: the provider lacks the operation.', content: json(ref('ErrorEnvelope')) },
          '502': {
            description: '`provider_unavailable` (upstream 5xx or bad body) or upstream rejected our key.',
            content: json(ref('ErrorEnvelope')),
          },
          '503': { description: '`provider_unavailable`: network, timeout, no adapter.', content: json(ref('ErrorEnvelope')) },
        },
      },
    },
    '/v1/embeddings': {
      post: {
        operationId: 'createEmbeddings',
        summary: 'Create embeddings (OpenAI Embeddings API)',
        description:
          'Routed like chat: aliases, `provider/model` or a bare model name, tier floors (`minimum_inference_tier` and the ' +
          'API key’s), fallback on network errors, timeouts, 5xx and 429. Candidates whose provider has no embeddings ' +
          '(e.g. `anthropic`) are skipped and listed in the row’s `fallbacks`. `encoding_format: "base64"` answers ' +
          'little-endian float32 vectors in base64, as OpenAI does (the official SDKs ask for it by default). ' +
          'One routing-log row per request with `purpose: embedding`, `tokens_in` from `usage.prompt_tokens`, ' +
          '`tokens_out` 0 and the input price; committed before the body is sent.',
        tags: ['inference'],
        requestBody: { required: true, content: json(ref('EmbeddingsRequest')) },
        responses: {
          '200': {
            description: 'The embeddings, as the provider sent them, plus the route.',
            headers: routeHeaders,
            content: json(ref('EmbeddingsResponse')),
          },
          ...errors('BadRequest', ...AUTHED, 'PayloadTooLarge'),
          '403': { description: '`tier_below_minimum`: no candidate meets the floor.', content: json(ref('ErrorEnvelope')) },
          '501': {
            description: '`not_implemented`: no candidate provider offers embeddings.',
            content: json(ref('ErrorEnvelope')),
          },
          '502': {
            description: '`provider_unavailable` (upstream 5xx or bad body) or upstream rejected our key.',
            content: json(ref('ErrorEnvelope')),
          },
          '503': {
            description: '`provider_unavailable`: network, timeout, no enabled provider.',
            content: json(ref('ErrorEnvelope')),
          },
        },
      },
    },
    '/v1/models': {
      get: {
        operationId: 'listModels',
        summary: 'Aliases and provider models',
        tags: ['inference'],
        responses: {
          '200': ok(
            'One entry per alias, per configured provider model, and per live model an enabled provider reports.',
            ref('ModelList'),
          ),
          ...errors(...AUTHED),
        },
      },
    },

    '/chats': {
      post: {
        operationId: 'createChat',
        summary: 'Create a chat',
        tags: ['chats'],
        requestBody: { required: false, content: json(ref('CreateChatRequest')) },
        responses: { '201': ok('The chat.', ref('Chat')), ...errors('BadRequest', ...AUTHED, 'PayloadTooLarge') },
      },
      get: {
        operationId: 'listChats',
        summary: 'Own chats that are not archived, newest first',
        tags: ['chats'],
        parameters: pageParams,
        responses: { '200': ok('A page of chats.', ref('ChatPage')), ...errors('BadRequest', ...AUTHED) },
      },
    },
    '/chats/{id}': {
      get: {
        operationId: 'getChat',
        summary: 'One chat',
        tags: ['chats'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }],
        responses: { '200': ok('The chat.', ref('Chat')), ...errors('BadRequest', ...AUTHED, 'NotFound') },
      },
      delete: {
        operationId: 'archiveChat',
        summary: 'Archive a chat (receipts stay readable)',
        tags: ['chats'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }],
        responses: { '204': { description: 'Archived (idempotent).' }, ...errors('BadRequest', ...AUTHED, 'NotFound') },
      },
    },
    '/chats/{id}/messages': {
      post: {
        operationId: 'createTurn',
        summary: 'Run a turn: store the user message, run inference, store the assistant message',
        description:
          '`stream: false` answers 201 with the two messages and the receipt. `stream: true` answers SSE frames of ' +
          '`TurnStreamEvent` (`start`, `delta`…, then `complete` or `error`), then `[DONE]`. When `[DONE]` is read the ' +
          'assistant message and its routing-log row are both committed. An archived chat refuses new turns (404).',
        tags: ['chats'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }],
        requestBody: { required: true, content: json(ref('CreateTurnRequest')) },
        responses: {
          '201': { description: 'The turn (`stream` false).', headers: routeHeaders, content: json(ref('Turn')) },
          '200': {
            description: 'The turn as SSE (`stream` true).',
            headers: routeHeaders,
            content: {
              'text/event-stream': {
                schema: {
                  type: 'string',
                  description: `Frames whose data is a \`TurnStreamEvent\`, then \`[DONE]\`. ${SSE_FRAMING}`,
                },
                example:
                  'data: {"type":"start","chat_id":"C","message_id":"A","user_message_id":"U"}\n\ndata: {"type":"delta","message_id":"A","content":"Hel"}\n\ndata: {"type":"complete","message_id":"A","message":{},"receipt":{}}\n\ndata: [DONE]\n\n',
              },
            },
          },
          ...errors('BadRequest', ...AUTHED, 'NotFound', 'PayloadTooLarge'),
          '403': {
            description: '`tier_below_minimum` (the refusal is stored as a message).',
            content: json(ref('ErrorEnvelope')),
          },
          '502': { description: '`provider_unavailable` before the stream started.', content: json(ref('ErrorEnvelope')) },
          '503': { description: '`provider_unavailable`: network, timeout, no adapter.', content: json(ref('ErrorEnvelope')) },
        },
      },
      get: {
        operationId: 'listMessages',
        summary: 'A chat’s messages, oldest first',
        tags: ['chats'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }, ...pageParams],
        responses: { '200': ok('A page of messages.', ref('MessagePage')), ...errors('BadRequest', ...AUTHED, 'NotFound') },
      },
    },
    '/chats/{id}/receipts': {
      get: {
        operationId: 'listReceipts',
        summary: 'A chat’s receipt events, oldest first',
        description:
          'Readable by the owner and by any admin (an admin’s read of another user’s chat writes an audit row). ' +
          'Archived chats are readable.',
        tags: ['receipts'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }, { $ref: '#/components/parameters/EventKinds' }],
        responses: {
          '200': ok('The events.', { type: 'array', items: ref('ReceiptEvent') }),
          ...errors('BadRequest', ...AUTHED, 'NotFound'),
        },
      },
    },
    '/chats/{id}/receipts/export.jsonl': {
      get: {
        operationId: 'exportReceipts',
        summary: 'The same events as JSON Lines, streamed as an attachment',
        tags: ['receipts'],
        parameters: [{ $ref: '#/components/parameters/ChatId' }, { $ref: '#/components/parameters/EventKinds' }],
        responses: {
          '200': {
            description: 'One `ReceiptEvent` per line.',
            headers: {
              'Content-Disposition': {
                description: '`attachment; filename="chat-<id>-receipts.jsonl"`',
                schema: { type: 'string' },
              },
            },
            content: { 'application/jsonl': { schema: { type: 'string', description: 'One JSON `ReceiptEvent` per line.' } } },
          },
          ...errors('BadRequest', ...AUTHED, 'NotFound'),
        },
      },
    },

    '/admin/users': {
      post: {
        operationId: 'createUser',
        summary: 'Create a user and its first API key (shown once)',
        tags: ['admin'],
        requestBody: { required: true, content: json(ref('CreateUserRequest')) },
        responses: {
          '201': ok('The user and its key.', ref('CreatedUser')),
          '409': { description: 'A user with this email exists.', content: json(ref('ErrorEnvelope')) },
          ...errors('BadRequest', ...AUTHED, 'Forbidden', 'PayloadTooLarge'),
        },
      },
      get: {
        operationId: 'listUsers',
        summary: 'Users, oldest first',
        tags: ['admin'],
        parameters: pageParams,
        responses: { '200': ok('A page of users.', ref('UserPage')), ...errors('BadRequest', ...AUTHED, 'Forbidden') },
      },
    },
    '/admin/users/{id}': {
      patch: {
        operationId: 'setUserLimits',
        summary: 'Set a user’s requests per minute and spend budgets across all its keys (null clears)',
        tags: ['admin'],
        parameters: [idParam('id', 'The user.')],
        requestBody: { required: false, content: json(ref('LimitsPatch')) },
        responses: {
          '200': ok('The user with its limits and spend.', ref('UserLimits')),
          ...errors('BadRequest', ...AUTHED, 'Forbidden', 'NotFound', 'PayloadTooLarge'),
        },
      },
    },
    '/admin/users/{id}/api-keys': {
      post: {
        operationId: 'issueApiKey',
        summary: 'Issue another API key to a user (shown once)',
        tags: ['admin'],
        parameters: [idParam('id', 'The user.')],
        requestBody: { required: false, content: json(ref('IssueApiKeyRequest')) },
        responses: {
          '201': ok('The key.', ref('IssuedApiKey')),
          ...errors('BadRequest', ...AUTHED, 'Forbidden', 'NotFound', 'PayloadTooLarge'),
        },
      },
    },
    '/admin/api-keys/{id}': {
      patch: {
        operationId: 'setApiKeyLimits',
        summary: 'Set a key’s requests per minute and spend budgets (null clears)',
        description:
          'Shared by every replica: a change applies at once on the replica that made it and within 2 s elsewhere. A budget is ' +
          'used up when the key’s routing-log costs in the UTC day or month reach it; its next completion gets 429 `budget_exceeded`.',
        tags: ['admin'],
        parameters: [idParam('id', 'The key.')],
        requestBody: { required: false, content: json(ref('LimitsPatch')) },
        responses: {
          '200': ok('The key with its limits and spend.', ref('ApiKeyLimits')),
          ...errors('BadRequest', ...AUTHED, 'Forbidden', 'NotFound', 'PayloadTooLarge'),
        },
      },
      delete: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        tags: ['admin'],
        parameters: [idParam('id', 'The key.')],
        responses: { '204': { description: 'Revoked.' }, ...errors('BadRequest', ...AUTHED, 'Forbidden', 'NotFound') },
      },
    },
    '/admin/routing-log': {
      get: {
        operationId: 'listRoutingLog',
        summary: 'Routing-log rows, newest first, filtered',
        tags: ['admin'],
        parameters: [
          ...pageParams,
          query('request_id', { type: 'string', minLength: 1, maxLength: 200 }),
          query('chat_id', uuid),
          query('message_id', uuid),
          query('user_id', uuid),
          query('api_key_id', uuid, 'The key that made the call.'),
          query('provider', { type: 'string', minLength: 1, maxLength: 200 }),
          query('model', { type: 'string', minLength: 1, maxLength: 256 }),
          query('tier', { type: 'string', pattern: '^[1-5]$' }),
          query('outcome', outcome),
          query('refused', { type: 'string', enum: ['true', 'false'] }),
          query('anonymized', { type: 'string', enum: ['true', 'false'] }),
          query('since', { type: 'string', format: 'date-time' }, 'Inclusive.'),
          query('until', { type: 'string', format: 'date-time' }, 'Exclusive.'),
        ],
        responses: {
          '200': ok('A page of rows.', ref('RoutingLogPage')),
          ...errors('BadRequest', ...AUTHED, 'Forbidden'),
        },
      },
    },
    '/admin/turns/{messageId}': {
      get: {
        operationId: 'inspectTurn',
        summary: 'One turn: its messages, routing-log rows and anonymization record',
        description:
          'Keyed by the assistant message id (the `message_id` of the routing-log row). A completion sent straight to ' +
          '`/v1/chat/completions` with a `message_id` is a turn without messages. Every successful read writes an ' +
          'audit row (`turn.inspected`, resource type `message`). No query parameters are accepted.',
        tags: ['admin'],
        parameters: [idParam('messageId', 'The assistant message id.')],
        responses: {
          '200': ok('The turn.', ref('TurnInspection')),
          ...errors('BadRequest', ...AUTHED, 'Forbidden', 'NotFound'),
        },
      },
    },
    '/admin/usage': {
      get: {
        operationId: 'summarizeUsage',
        summary: 'Completions, tokens and cost summed per group',
        tags: ['admin'],
        parameters: [
          query('group_by', { type: 'string', enum: USAGE_GROUPS, default: 'provider' }),
          query('since', { type: 'string', format: 'date-time' }, 'Inclusive.'),
          query('until', { type: 'string', format: 'date-time' }, 'Exclusive; not before `since`.'),
        ],
        responses: { '200': ok('The report.', ref('UsageReport')), ...errors('BadRequest', ...AUTHED, 'Forbidden') },
      },
    },
  },

  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'tly_…',
        description: 'An API key: `Authorization: Bearer <api key>`. Keys belong to users; a user is `member` or `admin`.',
      },
    },
    headers: {
      'X-Request-Id': {
        description: 'The request id (echoed or minted); stored as the routing-log `request_id`.',
        schema: { type: 'string' },
      },
      'X-Completion-Id': { description: 'The routing-log row’s `id`.', schema: uuid },
    },
    parameters: {
      ChatId: idParam('id', 'The chat.'),
      Limit: query('limit', { type: 'integer', minimum: 1, maximum: 100, default: 50 }),
      Cursor: query('cursor', { type: 'string' }, 'The `next_cursor` of the previous page.'),
      EventKinds: query(
        'event_kinds',
        { type: 'string', examples: ['inference,error'] },
        `Comma list over ${EVENT_KINDS.map((k) => `\`${k}\``).join(', ')}; unknown tokens ignored; absent or empty means all.`,
      ),
    },
    responses: Object.fromEntries(
      Object.entries(ERRORS).map(([name, { description }]) => [name, { description, content: json(ref('ErrorEnvelope')) }]),
    ),
    schemas: {
      ErrorEnvelope: record({
        error: record({
          code: { type: 'string', enum: Object.values(ErrorCode) },
          message: str('Human-readable; never holds secrets, prompts or PII.'),
          type: str('The same as `code` (OpenAI compatibility).'),
          param: nullable(str()),
          details: { type: 'object', description: 'Structured context; never secrets, prompts, PII or raw upstream bodies.' },
        }),
      }),
      Readiness: record({
        status: { type: 'string', enum: ['ready', 'not_ready'] },
        database: { type: 'string', enum: ['ok', 'unreachable'] },
        config: { type: 'string', const: 'loaded' },
        pending_writes: int(),
        spool_depth: int(),
        limits: record({
          mode: {
            type: 'string',
            enum: ['shared', 'local_share'],
            description:
              '`local_share`: the counters cannot be exchanged through PostgreSQL; this replica enforces its share alone.',
          },
          replicas: int('Live replicas, this one included, as last seen.'),
          last_sync_ms_ago: nullable(int()),
        }),
        gateway_config: record({
          version: int('1 for the file read at start-up, one more for every reload (SIGHUP) that swapped a new file in.'),
          loaded_at: { ...dateTime, description: 'When the version being served was read.' },
          sha256: str('sha256 of the gateway.yaml bytes being served (compare with `sha256sum`).'),
          reloads: int('Reloads that swapped a new file in since start-up.'),
          last_reload_error: {
            ...nullable(record({ at: dateTime, message: str('The first line of the refusal; the log has the full message.') })),
            description: 'Set when the latest reload was refused (the previous file keeps serving); null after a good one.',
          },
        }),
      }),

      ChatMessage: {
        type: 'object',
        properties: {
          role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool'] },
          content: {
            anyOf: [
              { type: 'string' },
              { type: 'array', items: { type: 'object', additionalProperties: true } },
              { type: 'null' },
            ],
          },
          name: str(),
          tool_call_id: str(),
          tool_calls: { type: 'array', items: { type: 'object', additionalProperties: true } },
        },
        required: ['role'],
        additionalProperties: true,
      },
      ChatCompletionRequest: {
        type: 'object',
        description: 'OpenAI’s Chat Completions body plus Tally’s optional extensions; unknown fields are forwarded upstream.',
        properties: {
          model: {
            type: 'string',
            minLength: 1,
            maxLength: 256,
            description: 'An alias, `provider/model`, or a bare model name.',
          },
          messages: { type: 'array', minItems: 1, items: ref('ChatMessage') },
          stream: nullable({ type: 'boolean' }),
          stream_options: nullable({ type: 'object', properties: { include_usage: { type: 'boolean' } } }),
          n: nullable({ type: 'integer', const: 1 }),
          max_tokens: nullable({ type: 'integer', minimum: 1 }),
          max_completion_tokens: nullable({ type: 'integer', minimum: 1 }),
          temperature: nullable({ type: 'number', minimum: 0, maximum: 2 }),
          top_p: nullable({ type: 'number', minimum: 0, maximum: 1 }),
          stop: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' }, maxItems: 4 }, { type: 'null' }] },
          tools: nullable({ type: 'array', items: { type: 'object', additionalProperties: true } }),
          tool_choice: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }, { type: 'null' }] },
          minimum_inference_tier: nullable({ ...tier, description: 'Refuse when the routed tier is weaker (a higher number).' }),
          anonymize: nullable({
            type: 'boolean',
            default: true,
            description: 'Set false to opt this request out of anonymization.',
          }),
          chat_id: nullable({ ...uuid, description: 'Stored on the routing-log row.' }),
          message_id: nullable({ ...uuid, description: 'Stored on the routing-log row (so direct API users get receipts too).' }),
          purpose: nullable({ type: 'string', pattern: '^[a-z0-9_.-]{1,64}$', default: 'chat' }),
        },
        required: ['model', 'messages'],
        additionalProperties: true,
      },
      Usage: {
        type: 'object',
        properties: {
          prompt_tokens: int('Every input token, prompt-cache reads and writes included.'),
          completion_tokens: int(),
          total_tokens: int(),
          prompt_tokens_details: nullable({
            type: 'object',
            properties: {
              cached_tokens: int('Of prompt_tokens: read from the prompt cache.'),
              cache_write_tokens: int("Of prompt_tokens: written to the prompt cache (Anthropic's cache_creation_input_tokens)."),
            },
            additionalProperties: true,
          }),
        },
        required: ['prompt_tokens', 'completion_tokens', 'total_tokens'],
        additionalProperties: true,
      },
      ChatCompletion: {
        type: 'object',
        properties: {
          id: str(),
          object: { type: 'string', const: 'chat.completion' },
          created: int('Unix seconds.'),
          model: str(),
          choices: {
            type: 'array',
            items: record(
              {
                index: int(),
                message: record({ role: str(), content: nullable(str()) }, { additionalProperties: true }),
                finish_reason: nullable(str()),
              },
              { additionalProperties: true },
            ),
          },
          usage: ref('Usage'),
          routed_provider: str(),
          routed_inference_tier: tier,
          anonymization_applied: { type: 'boolean' },
          cost_estimate: { type: 'number', description: 'USD; omitted when the model has no price.' },
        },
        required: [
          'id',
          'object',
          'created',
          'model',
          'choices',
          'routed_provider',
          'routed_inference_tier',
          'anonymization_applied',
        ],
        additionalProperties: true,
      },
      ChatCompletionChunk: {
        type: 'object',
        properties: {
          id: str(),
          object: { type: 'string', const: 'chat.completion.chunk' },
          created: int(),
          model: str(),
          choices: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: int(),
                delta: {
                  type: 'object',
                  properties: { role: str(), content: nullable(str()) },
                  additionalProperties: true,
                },
                finish_reason: nullable(str()),
              },
              required: ['index', 'delta'],
              additionalProperties: true,
            },
          },
          usage: ref('Usage'),
          routed_provider: str(),
          routed_inference_tier: tier,
        },
        required: ['id', 'object', 'created', 'model', 'choices', 'routed_provider', 'routed_inference_tier'],
        additionalProperties: true,
      },
      EmbeddingsRequest: {
        type: 'object',
        description: 'OpenAI’s Embeddings body plus Tally’s tier floor; unknown fields are forwarded to OpenAI-family providers.',
        properties: {
          model: {
            type: 'string',
            minLength: 1,
            maxLength: 256,
            description: 'An alias, `provider/model`, or a bare model name.',
          },
          input: {
            anyOf: [
              { type: 'string', minLength: 1 },
              { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, maxItems: 2048 },
              { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 },
              {
                type: 'array',
                items: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 1 },
                minItems: 1,
                maxItems: 2048,
              },
            ],
            description: 'Text, texts, or token arrays (token arrays only for providers that take them).',
          },
          encoding_format: { type: ['string', 'null'], enum: ['float', 'base64', null], default: 'float' },
          dimensions: nullable({ type: 'integer', minimum: 1 }),
          user: nullable(str()),
          minimum_inference_tier: nullable({ ...tier, description: 'Refuse when the routed tier is weaker (a higher number).' }),
        },
        required: ['model', 'input'],
        additionalProperties: true,
      },
      EmbeddingsResponse: {
        type: 'object',
        properties: {
          object: { type: 'string', const: 'list' },
          data: {
            type: 'array',
            items: record(
              {
                object: { type: 'string', const: 'embedding' },
                index: int(),
                embedding: {
                  anyOf: [
                    { type: 'array', items: { type: 'number' } },
                    { type: 'string', description: 'base64 of little-endian float32 values (`encoding_format: base64`).' },
                  ],
                },
              },
              { additionalProperties: true },
            ),
          },
          model: str(),
          usage: {
            type: 'object',
            properties: { prompt_tokens: int(), total_tokens: int() },
            required: ['prompt_tokens', 'total_tokens'],
            additionalProperties: true,
          },
          routed_provider: str(),
          routed_inference_tier: tier,
          anonymization_applied: { type: 'boolean', description: 'Always false: embedding inputs are not pseudonymised.' },
          cost_estimate: { type: 'number', description: 'USD at the input price; omitted when the model has no price.' },
        },
        required: ['object', 'data', 'model', 'routed_provider', 'routed_inference_tier', 'anonymization_applied'],
        additionalProperties: true,
      },
      Model: {
        type: 'object',
        properties: {
          id: str('An alias, or `provider/model`.'),
          object: { type: 'string', const: 'model' },
          created: int(),
          owned_by: str(),
          routed_inference_tier: tier,
          resolves_to: str('Aliases only: the `provider/model` it routes to now.'),
          fallback_count: int('Aliases only.'),
          provider_type: str("Provider models only: the provider's type."),
          live: {
            type: 'boolean',
            const: true,
            description: 'Present on models the provider reported itself (cached up to 60 s) rather than configured.',
          },
        },
        required: ['id', 'object', 'owned_by', 'routed_inference_tier'],
      },
      ModelList: record({ object: { type: 'string', const: 'list' }, data: { type: 'array', items: ref('Model') } }),

      CreateChatRequest: {
        type: 'object',
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 200 },
          minimum_inference_tier: nullable(tier),
          privileged: { type: 'boolean', default: false },
        },
        additionalProperties: false,
      },
      Chat: record({
        id: uuid,
        owner_id: uuid,
        title: str(),
        minimum_inference_tier: nullable(tier),
        privileged: { type: 'boolean' },
        archived_at: nullable(dateTime),
        created_at: dateTime,
        updated_at: dateTime,
        message_count: int(),
      }),
      ChatPage: page('Chat'),
      CreateTurnRequest: {
        type: 'object',
        properties: {
          content: { type: 'string', minLength: 1 },
          model: { type: 'string', minLength: 1, maxLength: 256, default: 'smart' },
          stream: { type: 'boolean', default: false },
          anonymize: { type: 'boolean' },
          minimum_inference_tier: tier,
        },
        required: ['content'],
        additionalProperties: false,
      },
      Message: record({
        id: uuid,
        chat_id: uuid,
        role: { type: 'string', enum: ['user', 'assistant', 'system', 'tool'] },
        kind: { type: 'string', enum: ['user', 'ai', 'refusal', 'system'] },
        content: str(),
        requested_model: nullable(str()),
        routed_provider: nullable(str()),
        routed_model: nullable(str()),
        routed_inference_tier: nullable(tier),
        prompt_tokens: nullable(int()),
        completion_tokens: nullable(int()),
        cost_estimate: nullable({ type: 'number' }),
        error_code: nullable(str()),
        created_at: dateTime,
      }),
      MessagePage: page('Message'),
      Turn: record({
        message: ref('Message'),
        user_message: ref('Message'),
        receipt: { anyOf: [ref('InferenceDetail'), { type: 'null' }] },
      }),
      TurnStreamEvent: {
        oneOf: [
          record({ type: { type: 'string', const: 'start' }, chat_id: uuid, message_id: uuid, user_message_id: uuid }),
          record({ type: { type: 'string', const: 'delta' }, message_id: uuid, content: str() }),
          record({
            type: { type: 'string', const: 'complete' },
            message_id: uuid,
            message: ref('Message'),
            receipt: { anyOf: [ref('InferenceDetail'), { type: 'null' }] },
          }),
          record({
            type: { type: 'string', const: 'error' },
            message_id: uuid,
            error: record({ code: str(), message: str() }),
          }),
        ],
      },

      InferenceDetail: record(inferenceDetailProperties),
      ReceiptEvent: {
        oneOf: [
          record({
            ts: dateTime,
            kind: { type: 'string', const: 'message' },
            detail: record({
              message_id: uuid,
              message_kind: { type: 'string', enum: ['user', 'ai', 'refusal', 'system'] },
              role: { type: 'string', enum: ['user', 'assistant', 'system', 'tool'] },
              prompt_tokens: nullable(int()),
              completion_tokens: nullable(int()),
            }),
          }),
          record({ ts: dateTime, kind: { type: 'string', enum: ['inference', 'error'] }, detail: ref('InferenceDetail') }),
          record({
            ts: dateTime,
            kind: { type: 'string', const: 'audit' },
            detail: record({
              action: str(),
              actor_user_id: nullable(uuid),
              details: nullable({ type: 'object' }),
              audit_id: uuid,
            }),
          }),
        ],
      },

      CreateUserRequest: {
        type: 'object',
        properties: {
          email: { type: 'string', format: 'email', maxLength: 320 },
          role: { type: 'string', enum: ['member', 'admin'], default: 'member' },
        },
        required: ['email'],
        additionalProperties: false,
      },
      User: record({ id: uuid, email: str(), role: { type: 'string', enum: ['member', 'admin'] }, created_at: dateTime }),
      UserPage: page('User'),
      LimitsPatch: {
        type: 'object',
        properties: {
          requests_per_minute: nullable({ type: 'integer', minimum: 1 }),
          budget_usd_per_day: nullable({ type: 'number', minimum: 0 }),
          budget_usd_per_month: nullable({ type: 'number', minimum: 0 }),
        },
        additionalProperties: false,
      },
      Limits: record({
        requests_per_minute: nullable({ type: 'integer', description: 'null: the key falls back to `limits.rate_per_key`.' }),
        budget_usd_per_day: nullable({ type: 'number' }),
        budget_usd_per_month: nullable({ type: 'number' }),
      }),
      Spend: record({
        day: { type: 'string', format: 'date', description: 'The current UTC day.' },
        day_usd: { type: 'number' },
        month: { type: 'string', pattern: '^\\d{4}-\\d{2}$', description: 'The current UTC month.' },
        month_usd: { type: 'number' },
      }),
      ApiKeyLimits: record({
        id: uuid,
        user_id: uuid,
        prefix: str(),
        minimum_inference_tier: nullable(tier),
        created_at: dateTime,
        revoked_at: nullable(dateTime),
        limits: ref('Limits'),
        spend: ref('Spend'),
      }),
      UserLimits: record({
        id: uuid,
        email: str(),
        role: { type: 'string', enum: ['member', 'admin'] },
        created_at: dateTime,
        limits: ref('Limits'),
        spend: ref('Spend'),
      }),
      CreatedUser: record({
        user: ref('User'),
        api_key: record({ id: uuid, key: str('The secret: shown once, stored only as a digest.'), prefix: str() }),
      }),
      IssueApiKeyRequest: {
        type: 'object',
        properties: { minimum_inference_tier: nullable(tier) },
        additionalProperties: false,
      },
      IssuedApiKey: record({
        id: uuid,
        key: str('Shown once.'),
        prefix: str(),
        user_id: uuid,
        minimum_inference_tier: nullable(tier),
      }),
      FallbackAttempt: record({ provider: str(), model: str(), tier, reason: str() }),
      RoutingLogRow: record(routingLogRowProperties),
      RoutingLogPage: page('RoutingLogRow'),
      AnonymizationRecord: record({
        completion_id: { ...uuid, description: 'The routing-log row described: the turn’s latest.' },
        applied: { type: 'boolean' },
        skip_reason: nullable({
          type: 'string',
          enum: ['disabled', 'tier_not_in_apply_at_tiers', 'privileged', 'request_opt_out', null],
        }),
        entity_counts: entityCounts,
        placeholders_used: {
          type: 'array',
          items: { type: 'string', pattern: `^(${ALL_ENTITY_TYPES.join('|')})_\\d{4,}$` },
          description:
            'Placeholder names, rebuilt from `entity_counts` (`<TYPE>_<nnnn>` numbered from 1 per type): the mapping to ' +
            'original values is never stored. A placeholder-shaped literal already in the prompt makes the real numbering skip it.',
          examples: [['EMAIL_ADDRESS_0001', 'PERSON_0001', 'PERSON_0002']],
        },
      }),
      TurnInspection: record({
        message_id: uuid,
        chat_id: nullable(uuid),
        messages: {
          type: 'array',
          items: ref('Message'),
          maxItems: 2,
          description: 'The prompting user message and the assistant message, oldest first; empty for a direct API completion.',
        },
        routing_log: { type: 'array', items: ref('RoutingLogRow'), maxItems: 100, description: 'Oldest first.' },
        routing_log_truncated: { type: 'boolean', description: 'More rows carry this `message_id`; the newest 100 are shown.' },
        anonymization: { anyOf: [ref('AnonymizationRecord'), { type: 'null' }] },
      }),
      OutcomeCounts: record(
        Object.fromEntries(['completed', 'failed', 'refused', 'client_closed', 'shutdown'].map((o) => [o, int()])),
      ),
      UsageSums: record(usageSums),
      UsageGroup: {
        type: 'object',
        description:
          '`key` names the group as text; the grouping’s own fields sit beside it: `user_id` and `email` (user), ' +
          '`provider` (provider), `provider` and `model` (model), `tier` (tier), `day` as `YYYY-MM-DD` in UTC (day).',
        properties: {
          key: str(),
          user_id: nullable(uuid),
          email: nullable(str()),
          api_key_id: nullable({ ...uuid, description: '`group_by=api_key`: null for rows older than the column (key `none`).' }),
          key_prefix: nullable(str('The key’s first characters, as shown when it was issued.')),
          provider: str(),
          model: str(),
          tier,
          day: { type: 'string', format: 'date' },
          ...usageSums,
        },
        required: ['key', ...Object.keys(usageSums)],
      },
      UsageReport: record({
        group_by: { type: 'string', enum: USAGE_GROUPS },
        since: nullable(dateTime),
        until: nullable(dateTime),
        items: { type: 'array', items: ref('UsageGroup'), description: 'Ordered by the group’s fields.' },
        totals: ref('UsageSums'),
      }),
    },
  },
};
