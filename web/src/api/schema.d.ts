/** Generated from src/openapi/openapi.document.ts by `npm run generate:api-types`; do not edit. */
export interface paths {
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: the database answers and the config is loaded (with its version and hash) */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: operations["getOpenApiDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interactive API reference (Swagger UI) for this document */
        get: operations["getDocs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/chat/completions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a chat completion (OpenAI Chat Completions API, streamed or not)
         * @description With `stream: true` the answer is `text/event-stream` of `ChatCompletionChunk` frames. Every event is `data: <compact JSON>\n\n`; the stream ends with `data: [DONE]\n\n`. An error after the stream started is a frame `data: {"error":{...}}` followed by `data: [DONE]`, never an `event: error` frame. `usage` arrives in the final chunk only when `stream_options.include_usage` is true. Errors before the stream starts (including tier refusals) are an HTTP status with the JSON envelope. By the time the client reads `data: [DONE]` or the JSON body, the routing-log row is committed.
         */
        post: operations["createChatCompletion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/embeddings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create embeddings (OpenAI Embeddings API)
         * @description Routed like chat: aliases, `provider/model` or a bare model name, tier floors (`minimum_inference_tier` and the API key’s), fallback on network errors, timeouts, 5xx and 429. Candidates whose provider has no embeddings (e.g. `anthropic`) are skipped and listed in the row’s `fallbacks`. `encoding_format: "base64"` answers little-endian float32 vectors in base64, as OpenAI does (the official SDKs ask for it by default). One routing-log row per request with `purpose: embedding`, `tokens_in` from `usage.prompt_tokens`, `tokens_out` 0 and the input price; committed before the body is sent.
         */
        post: operations["createEmbeddings"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Aliases and provider models */
        get: operations["listModels"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/chats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Own chats that are not archived, newest first */
        get: operations["listChats"];
        put?: never;
        /** Create a chat */
        post: operations["createChat"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/chats/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One chat */
        get: operations["getChat"];
        put?: never;
        post?: never;
        /** Archive a chat (receipts stay readable) */
        delete: operations["archiveChat"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/chats/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A chat’s messages, oldest first */
        get: operations["listMessages"];
        put?: never;
        /**
         * Run a turn: store the user message, run inference, store the assistant message
         * @description `stream: false` answers 201 with the two messages and the receipt. `stream: true` answers SSE frames of `TurnStreamEvent` (`start`, `delta`…, then `complete` or `error`), then `[DONE]`. When `[DONE]` is read the assistant message and its routing-log row are both committed. An archived chat refuses new turns (404).
         */
        post: operations["createTurn"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/chats/{id}/receipts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A chat’s receipt events, oldest first
         * @description Readable by the owner and by any admin (an admin’s read of another user’s chat writes an audit row). Archived chats are readable.
         */
        get: operations["listReceipts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/chats/{id}/receipts/export.jsonl": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The same events as JSON Lines, streamed as an attachment */
        get: operations["exportReceipts"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Users, oldest first */
        get: operations["listUsers"];
        put?: never;
        /** Create a user and its first API key (shown once) */
        post: operations["createUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Set a user’s requests per minute and spend budgets across all its keys (null clears) */
        patch: operations["setUserLimits"];
        trace?: never;
    };
    "/admin/users/{id}/api-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Issue another API key to a user (shown once) */
        post: operations["issueApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/api-keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        /**
         * Set a key’s requests per minute and spend budgets (null clears)
         * @description Shared by every replica: a change applies at once on the replica that made it and within 2 s elsewhere. A budget is used up when the key’s routing-log costs in the UTC day or month reach it; its next completion gets 429 `budget_exceeded`.
         */
        patch: operations["setApiKeyLimits"];
        trace?: never;
    };
    "/admin/routing-log": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Routing-log rows, newest first, filtered */
        get: operations["listRoutingLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/turns/{messageId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One turn: its messages, routing-log rows and anonymization record
         * @description Keyed by the assistant message id (the `message_id` of the routing-log row). A completion sent straight to `/v1/chat/completions` with a `message_id` is a turn without messages. Every successful read writes an audit row (`turn.inspected`, resource type `message`). No query parameters are accepted.
         */
        get: operations["inspectTurn"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Completions, tokens and cost summed per group */
        get: operations["summarizeUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ErrorEnvelope: {
            error: {
                /** @enum {string} */
                code: "invalid_request" | "invalid_model" | "unauthorized" | "forbidden" | "tier_below_minimum" | "not_found" | "payload_too_large" | "rate_limit_exceeded" | "budget_exceeded" | "provider_unavailable" | "not_implemented" | "service_unavailable" | "internal_error";
                /** @description Human-readable; never holds secrets, prompts or PII. */
                message: string;
                /** @description The same as `code` (OpenAI compatibility). */
                type: string;
                param: string | null;
                /** @description Structured context; never secrets, prompts, PII or raw upstream bodies. */
                details: Record<string, never>;
            };
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not_ready";
            /** @enum {string} */
            database: "ok" | "unreachable";
            /** @constant */
            config: "loaded";
            pending_writes: number;
            spool_depth: number;
            limits: {
                /**
                 * @description `local_share`: the counters cannot be exchanged through PostgreSQL; this replica enforces its share alone.
                 * @enum {string}
                 */
                mode: "shared" | "local_share";
                /** @description Live replicas, this one included, as last seen. */
                replicas: number;
                last_sync_ms_ago: number | null;
            };
            gateway_config: {
                /** @description 1 for the file read at start-up, one more for every reload (SIGHUP) that swapped a new file in. */
                version: number;
                /**
                 * Format: date-time
                 * @description When the version being served was read.
                 * @example 2026-11-26T08:00:00.123Z
                 */
                loaded_at: string;
                /** @description sha256 of the gateway.yaml bytes being served (compare with `sha256sum`). */
                sha256: string;
                /** @description Reloads that swapped a new file in since start-up. */
                reloads: number;
                /** @description Set when the latest reload was refused (the previous file keeps serving); null after a good one. */
                last_reload_error: {
                    /**
                     * Format: date-time
                     * @example 2026-11-26T08:00:00.123Z
                     */
                    at: string;
                    /** @description The first line of the refusal; the log has the full message. */
                    message: string;
                } | null;
            };
        };
        ChatMessage: {
            /** @enum {string} */
            role: "system" | "developer" | "user" | "assistant" | "tool";
            content?: string | {
                [key: string]: unknown;
            }[] | null;
            name?: string;
            tool_call_id?: string;
            tool_calls?: {
                [key: string]: unknown;
            }[];
        } & {
            [key: string]: unknown;
        };
        /** @description OpenAI’s Chat Completions body plus Tally’s optional extensions; unknown fields are forwarded upstream. */
        ChatCompletionRequest: {
            /** @description An alias, `provider/model`, or a bare model name. */
            model: string;
            messages: components["schemas"]["ChatMessage"][];
            stream?: boolean | null;
            stream_options?: {
                include_usage?: boolean;
            } | null;
            /** @constant */
            n?: 1;
            max_tokens?: number | null;
            max_completion_tokens?: number | null;
            temperature?: number | null;
            top_p?: number | null;
            stop?: string | string[] | null;
            tools?: {
                [key: string]: unknown;
            }[] | null;
            tool_choice?: string | {
                [key: string]: unknown;
            } | null;
            /** @description Refuse when the routed tier is weaker (a higher number). */
            minimum_inference_tier?: number | null;
            /**
             * @description Set false to opt this request out of anonymization.
             * @default true
             */
            anonymize: boolean | null;
            /**
             * Format: uuid
             * @description Stored on the routing-log row.
             */
            chat_id?: string | null;
            /**
             * Format: uuid
             * @description Stored on the routing-log row (so direct API users get receipts too).
             */
            message_id?: string | null;
            /** @default chat */
            purpose: string | null;
        } & {
            [key: string]: unknown;
        };
        Usage: {
            /** @description Every input token, prompt-cache reads and writes included. */
            prompt_tokens: number;
            completion_tokens: number;
            total_tokens: number;
            prompt_tokens_details?: ({
                /** @description Of prompt_tokens: read from the prompt cache. */
                cached_tokens?: number;
                /** @description Of prompt_tokens: written to the prompt cache (Anthropic's cache_creation_input_tokens). */
                cache_write_tokens?: number;
            } & {
                [key: string]: unknown;
            }) | null;
        } & {
            [key: string]: unknown;
        };
        ChatCompletion: {
            id: string;
            /** @constant */
            object: "chat.completion";
            /** @description Unix seconds. */
            created: number;
            model: string;
            choices: ({
                index: number;
                message: {
                    role: string;
                    content: string | null;
                } & {
                    [key: string]: unknown;
                };
                finish_reason: string | null;
            } & {
                [key: string]: unknown;
            })[];
            usage?: components["schemas"]["Usage"];
            routed_provider: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number;
            anonymization_applied: boolean;
            /** @description USD; omitted when the model has no price. */
            cost_estimate?: number;
        } & {
            [key: string]: unknown;
        };
        ChatCompletionChunk: {
            id: string;
            /** @constant */
            object: "chat.completion.chunk";
            created: number;
            model: string;
            choices: ({
                index: number;
                delta: {
                    role?: string;
                    content?: string | null;
                } & {
                    [key: string]: unknown;
                };
                finish_reason?: string | null;
            } & {
                [key: string]: unknown;
            })[];
            usage?: components["schemas"]["Usage"];
            routed_provider: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number;
        } & {
            [key: string]: unknown;
        };
        /** @description OpenAI’s Embeddings body plus Tally’s tier floor; unknown fields are forwarded to OpenAI-family providers. */
        EmbeddingsRequest: {
            /** @description An alias, `provider/model`, or a bare model name. */
            model: string;
            /** @description Text, texts, or token arrays (token arrays only for providers that take them). */
            input: string | string[] | number[] | number[][];
            /**
             * @default float
             * @enum {string|null}
             */
            encoding_format: "float" | "base64" | null;
            dimensions?: number | null;
            user?: string | null;
            /** @description Refuse when the routed tier is weaker (a higher number). */
            minimum_inference_tier?: number | null;
        } & {
            [key: string]: unknown;
        };
        EmbeddingsResponse: {
            /** @constant */
            object: "list";
            data: ({
                /** @constant */
                object: "embedding";
                index: number;
                embedding: number[] | string;
            } & {
                [key: string]: unknown;
            })[];
            model: string;
            usage?: {
                prompt_tokens: number;
                total_tokens: number;
            } & {
                [key: string]: unknown;
            };
            routed_provider: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number;
            /** @description Always false: embedding inputs are not pseudonymised. */
            anonymization_applied: boolean;
            /** @description USD at the input price; omitted when the model has no price. */
            cost_estimate?: number;
        } & {
            [key: string]: unknown;
        };
        Model: {
            /** @description An alias, or `provider/model`. */
            id: string;
            /** @constant */
            object: "model";
            created?: number;
            owned_by: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number;
            /** @description Aliases only: the `provider/model` it routes to now. */
            resolves_to?: string;
            /** @description Aliases only. */
            fallback_count?: number;
            /** @description Provider models only: the provider's type. */
            provider_type?: string;
            /**
             * @description Present on models the provider reported itself (cached up to 60 s) rather than configured.
             * @constant
             */
            live?: true;
        };
        ModelList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["Model"][];
        };
        CreateChatRequest: {
            title?: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier?: number | null;
            /** @default false */
            privileged: boolean;
        };
        Chat: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            owner_id: string;
            title: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier: number | null;
            privileged: boolean;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            archived_at: string | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            updated_at: string;
            message_count: number;
        };
        ChatPage: {
            items: components["schemas"]["Chat"][];
            /** @description Opaque; pass as `cursor` for the next page. Null on the last page. */
            next_cursor: string | null;
        };
        CreateTurnRequest: {
            content: string;
            /** @default smart */
            model: string;
            /** @default false */
            stream: boolean;
            anonymize?: boolean;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier?: number;
        };
        Message: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            chat_id: string;
            /** @enum {string} */
            role: "user" | "assistant" | "system" | "tool";
            /** @enum {string} */
            kind: "user" | "ai" | "refusal" | "system";
            content: string;
            requested_model: string | null;
            routed_provider: string | null;
            routed_model: string | null;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number | null;
            prompt_tokens: number | null;
            completion_tokens: number | null;
            cost_estimate: number | null;
            error_code: string | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            created_at: string;
        };
        MessagePage: {
            items: components["schemas"]["Message"][];
            /** @description Opaque; pass as `cursor` for the next page. Null on the last page. */
            next_cursor: string | null;
        };
        Turn: {
            message: components["schemas"]["Message"];
            user_message: components["schemas"]["Message"];
            receipt: components["schemas"]["InferenceDetail"] | null;
        };
        TurnStreamEvent: {
            /** @constant */
            type: "start";
            /** Format: uuid */
            chat_id: string;
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            user_message_id: string;
        } | {
            /** @constant */
            type: "delta";
            /** Format: uuid */
            message_id: string;
            content: string;
        } | {
            /** @constant */
            type: "complete";
            /** Format: uuid */
            message_id: string;
            message: components["schemas"]["Message"];
            receipt: components["schemas"]["InferenceDetail"] | null;
        } | {
            /** @constant */
            type: "error";
            /** Format: uuid */
            message_id: string;
            error: {
                code: string;
                message: string;
            };
        };
        InferenceDetail: {
            provider: string;
            model: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            tier: number;
            tokens_in: number | null;
            tokens_out: number | null;
            latency_ms: number | null;
            refused: boolean;
            refusal_reason: string | null;
            anonymization_applied: boolean;
            /** Format: uuid */
            message_id: string | null;
            request_id: string;
            /** @enum {string} */
            outcome: "completed" | "failed" | "refused" | "client_closed" | "shutdown";
            ttft_ms: number | null;
            cost_usd: number | null;
            /**
             * @description Distinct entities replaced, per type. Original values are never stored.
             * @example {
             *       "PERSON": 2,
             *       "EMAIL_ADDRESS": 1
             *     }
             */
            anonymized_entities: {
                [key: string]: number;
            } | null;
            /** Format: uuid */
            completion_id: string;
        };
        ReceiptEvent: {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            ts: string;
            /** @constant */
            kind: "message";
            detail: {
                /** Format: uuid */
                message_id: string;
                /** @enum {string} */
                message_kind: "user" | "ai" | "refusal" | "system";
                /** @enum {string} */
                role: "user" | "assistant" | "system" | "tool";
                prompt_tokens: number | null;
                completion_tokens: number | null;
            };
        } | {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            ts: string;
            /** @enum {string} */
            kind: "inference" | "error";
            detail: components["schemas"]["InferenceDetail"];
        } | {
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            ts: string;
            /** @constant */
            kind: "audit";
            detail: {
                action: string;
                /** Format: uuid */
                actor_user_id: string | null;
                details: Record<string, never> | null;
                /** Format: uuid */
                audit_id: string;
            };
        };
        CreateUserRequest: {
            /** Format: email */
            email: string;
            /**
             * @default member
             * @enum {string}
             */
            role: "member" | "admin";
        };
        User: {
            /** Format: uuid */
            id: string;
            email: string;
            /** @enum {string} */
            role: "member" | "admin";
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            created_at: string;
        };
        UserPage: {
            items: components["schemas"]["User"][];
            /** @description Opaque; pass as `cursor` for the next page. Null on the last page. */
            next_cursor: string | null;
        };
        LimitsPatch: {
            requests_per_minute?: number | null;
            budget_usd_per_day?: number | null;
            budget_usd_per_month?: number | null;
        };
        Limits: {
            /** @description null: the key falls back to `limits.rate_per_key`. */
            requests_per_minute: number | null;
            budget_usd_per_day: number | null;
            budget_usd_per_month: number | null;
        };
        Spend: {
            /**
             * Format: date
             * @description The current UTC day.
             */
            day: string;
            day_usd: number;
            /** @description The current UTC month. */
            month: string;
            month_usd: number;
        };
        ApiKeyLimits: {
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            user_id: string;
            prefix: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier: number | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            created_at: string;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            revoked_at: string | null;
            limits: components["schemas"]["Limits"];
            spend: components["schemas"]["Spend"];
        };
        UserLimits: {
            /** Format: uuid */
            id: string;
            email: string;
            /** @enum {string} */
            role: "member" | "admin";
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            created_at: string;
            limits: components["schemas"]["Limits"];
            spend: components["schemas"]["Spend"];
        };
        CreatedUser: {
            user: components["schemas"]["User"];
            api_key: {
                /** Format: uuid */
                id: string;
                /** @description The secret: shown once, stored only as a digest. */
                key: string;
                prefix: string;
            };
        };
        IssueApiKeyRequest: {
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier?: number | null;
        };
        IssuedApiKey: {
            /** Format: uuid */
            id: string;
            /** @description Shown once. */
            key: string;
            prefix: string;
            /** Format: uuid */
            user_id: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            minimum_inference_tier: number | null;
        };
        FallbackAttempt: {
            provider: string;
            model: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            tier: number;
            reason: string;
        };
        RoutingLogRow: {
            /**
             * Format: uuid
             * @description The completion id (`X-Completion-Id`).
             */
            id: string;
            request_id: string;
            /**
             * Format: date-time
             * @description Arrival of the request.
             * @example 2026-11-26T08:00:00.123Z
             */
            timestamp: string;
            /** Format: uuid */
            user_id: string;
            /** Format: uuid */
            chat_id: string | null;
            /** Format: uuid */
            message_id: string | null;
            requested_model: string | null;
            routed_provider: string;
            routed_model: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            routed_inference_tier: number;
            stream: boolean;
            /** @enum {string} */
            outcome: "completed" | "failed" | "refused" | "client_closed" | "shutdown";
            tokens_in: number | null;
            tokens_out: number | null;
            /** @description USD; null when the model has no price. */
            cost_usd: number | null;
            /** @description Arrival to row. */
            latency_ms: number | null;
            /** @description Arrival to first content delta. */
            ttft_ms: number | null;
            refused: boolean;
            refusal_reason: string | null;
            /** @description The client-facing error code of a failed completion. */
            error_code: string | null;
            /** @description `upstream_error:<code>[:status=N]:<kind>`. */
            error_reason: string | null;
            anonymization_applied: boolean;
            /**
             * @description Distinct entities replaced, per type. Original values are never stored.
             * @example {
             *       "PERSON": 2,
             *       "EMAIL_ADDRESS": 1
             *     }
             */
            anonymized_entities: {
                [key: string]: number;
            } | null;
            /** @enum {string|null} */
            anonymization_skip_reason: "disabled" | "tier_not_in_apply_at_tiers" | "privileged" | "request_opt_out" | null;
            fallbacks: components["schemas"]["FallbackAttempt"][];
            purpose: string;
            /**
             * Format: uuid
             * @description The API key that made the call (its id); null on rows older than the column.
             */
            api_key_id: string | null;
        };
        RoutingLogPage: {
            items: components["schemas"]["RoutingLogRow"][];
            /** @description Opaque; pass as `cursor` for the next page. Null on the last page. */
            next_cursor: string | null;
        };
        AnonymizationRecord: {
            /**
             * Format: uuid
             * @description The routing-log row described: the turn’s latest.
             */
            completion_id: string;
            applied: boolean;
            /** @enum {string|null} */
            skip_reason: "disabled" | "tier_not_in_apply_at_tiers" | "privileged" | "request_opt_out" | null;
            /**
             * @description Distinct entities replaced, per type. Original values are never stored.
             * @example {
             *       "PERSON": 2,
             *       "EMAIL_ADDRESS": 1
             *     }
             */
            entity_counts: {
                [key: string]: number;
            } | null;
            /**
             * @description Placeholder names, rebuilt from `entity_counts` (`<TYPE>_<nnnn>` numbered from 1 per type): the mapping to original values is never stored. A placeholder-shaped literal already in the prompt makes the real numbering skip it.
             * @example [
             *       "EMAIL_ADDRESS_0001",
             *       "PERSON_0001",
             *       "PERSON_0002"
             *     ]
             */
            placeholders_used: string[];
        };
        TurnInspection: {
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            chat_id: string | null;
            /** @description The prompting user message and the assistant message, oldest first; empty for a direct API completion. */
            messages: components["schemas"]["Message"][];
            /** @description Oldest first. */
            routing_log: components["schemas"]["RoutingLogRow"][];
            /** @description More rows carry this `message_id`; the newest 100 are shown. */
            routing_log_truncated: boolean;
            anonymization: components["schemas"]["AnonymizationRecord"] | null;
        };
        OutcomeCounts: {
            completed: number;
            failed: number;
            refused: number;
            client_closed: number;
            shutdown: number;
        };
        UsageSums: {
            /** @description Routing-log rows: every completion that passed validation, whatever its outcome. */
            completions: number;
            tokens_in: number;
            tokens_out: number;
            /** @description USD; null when no row of the group has a price. */
            cost_usd: number | null;
            outcomes: components["schemas"]["OutcomeCounts"];
        };
        /** @description `key` names the group as text; the grouping’s own fields sit beside it: `user_id` and `email` (user), `provider` (provider), `provider` and `model` (model), `tier` (tier), `day` as `YYYY-MM-DD` in UTC (day). */
        UsageGroup: {
            key: string;
            /** Format: uuid */
            user_id?: string | null;
            email?: string | null;
            /**
             * Format: uuid
             * @description `group_by=api_key`: null for rows older than the column (key `none`).
             */
            api_key_id?: string | null;
            /** @description The key’s first characters, as shown when it was issued. */
            key_prefix?: string | null;
            provider?: string;
            model?: string;
            /** @description Inference tier: 1 is the strongest, 5 the weakest. */
            tier?: number;
            /** Format: date */
            day?: string;
            /** @description Routing-log rows: every completion that passed validation, whatever its outcome. */
            completions: number;
            tokens_in: number;
            tokens_out: number;
            /** @description USD; null when no row of the group has a price. */
            cost_usd: number | null;
            outcomes: components["schemas"]["OutcomeCounts"];
        };
        UsageReport: {
            /** @enum {string} */
            group_by: "user" | "api_key" | "provider" | "model" | "tier" | "day";
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            since: string | null;
            /**
             * Format: date-time
             * @example 2026-11-26T08:00:00.123Z
             */
            until: string | null;
            /** @description Ordered by the group’s fields. */
            items: components["schemas"]["UsageGroup"][];
            totals: components["schemas"]["UsageSums"];
        };
    };
    responses: {
        /** @description Invalid request: bad JSON, schema failure, malformed id or query parameter. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Missing or wrong API key. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Authenticated but not allowed (a member on /admin/*). */
        Forbidden: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description No such resource, or one the caller may not see. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Body over the size limit. */
        PayloadTooLarge: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description Per-key or per-user rate limit (`rate_limit_exceeded`), upstream 429 after fallbacks, or on completions a used-up spend budget (`budget_exceeded`, details `limit_usd`, `period`, `scope`; the completion has a `refused` row). */
        RateLimited: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
        /** @description A bug; the message is generic and details carry the request id. */
        InternalError: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorEnvelope"];
            };
        };
    };
    parameters: {
        /** @description The chat. A malformed UUID is 400. */
        ChatId: string;
        Limit: number;
        /** @description The `next_cursor` of the previous page. */
        Cursor: string;
        /** @description Comma list over `message`, `inference`, `error`, `audit`, `skill`, `retrieval`; unknown tokens ignored; absent or empty means all. */
        EventKinds: string;
    };
    requestBodies: never;
    headers: {
        /** @description The request id (echoed or minted); stored as the routing-log `request_id`. */
        "X-Request-Id": string;
        /** @description The routing-log row’s `id`. */
        "X-Completion-Id": string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process runs. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @constant */
                        status: "ok";
                    };
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready (the database does not answer). */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text exposition format 0.0.4. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    getOpenApiDocument: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description OpenAPI 3.1. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": Record<string, never>;
                };
            };
        };
    };
    getDocs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description HTML; Swagger UI served from this service (built with the console), reading `/openapi.json`. Loads nothing from elsewhere. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/html": string;
                };
            };
            /** @description The console build (`npm run build:web`) is missing. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    createChatCompletion: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ChatCompletionRequest"];
            };
        };
        responses: {
            /** @description The completion (`stream` false) or its SSE stream (`stream` true). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-Completion-Id": components["headers"]["X-Completion-Id"];
                    /** @description The provider that answered. */
                    "X-Routed-Provider"?: string;
                    /** @description Its inference tier. */
                    "X-Routed-Inference-Tier"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatCompletion"];
                    /**
                     * @example data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764140000,"model":"sim-small","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"routed_provider":"local-sim","routed_inference_tier":1}
                     *
                     *     data: [DONE]
                     */
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `tier_below_minimum`: no candidate meets the floor (always JSON, also for `stream: true`). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            /** @description `not_implemented`: the provider lacks the operation. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `provider_unavailable` (upstream 5xx or bad body) or upstream rejected our key. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `provider_unavailable`: network, timeout, no adapter. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    createEmbeddings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmbeddingsRequest"];
            };
        };
        responses: {
            /** @description The embeddings, as the provider sent them, plus the route. */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-Completion-Id": components["headers"]["X-Completion-Id"];
                    /** @description The provider that answered. */
                    "X-Routed-Provider"?: string;
                    /** @description Its inference tier. */
                    "X-Routed-Inference-Tier"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["EmbeddingsResponse"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `tier_below_minimum`: no candidate meets the floor. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            /** @description `not_implemented`: no candidate provider offers embeddings. */
            501: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `provider_unavailable` (upstream 5xx or bad body) or upstream rejected our key. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `provider_unavailable`: network, timeout, no enabled provider. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    listModels: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One entry per alias, per configured provider model, and per live model an enabled provider reports. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ModelList"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    listChats: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of chats. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ChatPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    createChat: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["CreateChatRequest"];
            };
        };
        responses: {
            /** @description The chat. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Chat"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    getChat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The chat. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Chat"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    archiveChat: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Archived (idempotent). */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    listMessages: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of messages. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessagePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    createTurn: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateTurnRequest"];
            };
        };
        responses: {
            /** @description The turn as SSE (`stream` true). */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-Completion-Id": components["headers"]["X-Completion-Id"];
                    /** @description The provider that answered. */
                    "X-Routed-Provider"?: string;
                    /** @description Its inference tier. */
                    "X-Routed-Inference-Tier"?: string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example data: {"type":"start","chat_id":"C","message_id":"A","user_message_id":"U"}
                     *
                     *     data: {"type":"delta","message_id":"A","content":"Hel"}
                     *
                     *     data: {"type":"complete","message_id":"A","message":{},"receipt":{}}
                     *
                     *     data: [DONE]
                     */
                    "text/event-stream": string;
                };
            };
            /** @description The turn (`stream` false). */
            201: {
                headers: {
                    "X-Request-Id": components["headers"]["X-Request-Id"];
                    "X-Completion-Id": components["headers"]["X-Completion-Id"];
                    /** @description The provider that answered. */
                    "X-Routed-Provider"?: string;
                    /** @description Its inference tier. */
                    "X-Routed-Inference-Tier"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Turn"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            /** @description `tier_below_minimum` (the refusal is stored as a message). */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
            /** @description `provider_unavailable` before the stream started. */
            502: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description `provider_unavailable`: network, timeout, no adapter. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    listReceipts: {
        parameters: {
            query?: {
                /** @description Comma list over `message`, `inference`, `error`, `audit`, `skill`, `retrieval`; unknown tokens ignored; absent or empty means all. */
                event_kinds?: components["parameters"]["EventKinds"];
            };
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The events. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReceiptEvent"][];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    exportReceipts: {
        parameters: {
            query?: {
                /** @description Comma list over `message`, `inference`, `error`, `audit`, `skill`, `retrieval`; unknown tokens ignored; absent or empty means all. */
                event_kinds?: components["parameters"]["EventKinds"];
            };
            header?: never;
            path: {
                /** @description The chat. A malformed UUID is 400. */
                id: components["parameters"]["ChatId"];
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One `ReceiptEvent` per line. */
            200: {
                headers: {
                    /** @description `attachment; filename="chat-<id>-receipts.jsonl"` */
                    "Content-Disposition"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/jsonl": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    listUsers: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. */
                cursor?: components["parameters"]["Cursor"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of users. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    createUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateUserRequest"];
            };
        };
        responses: {
            /** @description The user and its key. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CreatedUser"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            /** @description A user with this email exists. */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    setUserLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user. A malformed UUID is 400. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["LimitsPatch"];
            };
        };
        responses: {
            /** @description The user with its limits and spend. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UserLimits"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    issueApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The user. A malformed UUID is 400. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["IssueApiKeyRequest"];
            };
        };
        responses: {
            /** @description The key. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedApiKey"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The key. A malformed UUID is 400. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Revoked. */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    setApiKeyLimits: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The key. A malformed UUID is 400. */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["LimitsPatch"];
            };
        };
        responses: {
            /** @description The key with its limits and spend. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyLimits"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            413: components["responses"]["PayloadTooLarge"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    listRoutingLog: {
        parameters: {
            query?: {
                limit?: components["parameters"]["Limit"];
                /** @description The `next_cursor` of the previous page. */
                cursor?: components["parameters"]["Cursor"];
                request_id?: string;
                chat_id?: string;
                message_id?: string;
                user_id?: string;
                /** @description The key that made the call. */
                api_key_id?: string;
                provider?: string;
                model?: string;
                tier?: string;
                outcome?: "completed" | "failed" | "refused" | "client_closed" | "shutdown";
                refused?: "true" | "false";
                anonymized?: "true" | "false";
                /** @description Inclusive. */
                since?: string;
                /** @description Exclusive. */
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of rows. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoutingLogPage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    inspectTurn: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The assistant message id. A malformed UUID is 400. */
                messageId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The turn. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TurnInspection"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
    summarizeUsage: {
        parameters: {
            query?: {
                group_by?: "user" | "api_key" | "provider" | "model" | "tier" | "day";
                /** @description Inclusive. */
                since?: string;
                /** @description Exclusive; not before `since`. */
                until?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The report. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["UsageReport"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["InternalError"];
        };
    };
}
