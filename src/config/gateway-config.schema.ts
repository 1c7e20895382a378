import { z } from 'zod';

export const PROVIDER_TYPES = ['simulated', 'openai', 'openai_compatible', 'azure_openai', 'anthropic', 'ollama'] as const;
export type ProviderType = (typeof PROVIDER_TYPES)[number];

export const ENTITY_TYPES = [
  'PERSON',
  'ORGANIZATION',
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'IBAN_CODE',
  'US_SSN',
  'IP_ADDRESS',
  'URL',
  'CASE_NUMBER',
  'MATTER_NUMBER',
] as const;

const tier = z.number().int().min(1).max(5);
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'letters, digits, "_", "." or "-" (max 64)');

const providerSchema = z
  .object({
    name,
    type: z.enum(PROVIDER_TYPES),
    base_url: z.url().optional(),
    api_key_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    api_version: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'an Azure api-version such as 2024-10-21')
      .optional(), // azure_openai only
    tier: tier.optional(),
    models: z.array(z.string().min(1)).default([]),
    timeout_s: z.number().positive().max(3600).default(60), // connect, first byte, and longest gap between bytes
    max_duration_s: z.number().positive().max(86_400).default(600), // a whole request, streams included
    enabled: z.boolean().default(true),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const target = z.object({ provider: z.string().min(1), model: z.string().min(1) }).strict();

const aliasSchema = z.object({ primary: target, fallback: z.array(target).default([]) }).strict();

/** USD per million tokens; `cache_read` / `cache_write` price prompt-cache tokens (default: `input`). */
const price = z
  .object({
    input: z.number().min(0),
    output: z.number().min(0),
    cache_read: z.number().min(0).optional(),
    cache_write: z.number().min(0).optional(),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    providers: z.array(providerSchema).default([]),
    aliases: z.record(name, aliasSchema).default({}),
    tiers: z
      .object({
        defaults: z.partialRecord(z.enum(PROVIDER_TYPES), tier).default({}),
        overrides: z.record(z.string(), tier).default({}),
      })
      .strict()
      .default({ defaults: {}, overrides: {} }),
    prices: z.record(z.string().regex(/^[^/]+\/.+$/, 'key must be "provider/model"'), price).default({}),
    anonymization: z
      .object({
        enabled: z.boolean().default(false),
        apply_at_tiers: z.array(tier).default([]),
        entities: z.array(z.enum(ENTITY_TYPES)).default([...ENTITY_TYPES]),
      })
      .strict()
      .default({ enabled: false, apply_at_tiers: [], entities: [...ENTITY_TYPES] }),
    limits: z
      .object({
        max_messages: z.number().int().min(1).default(500),
        max_chars: z.number().int().min(1).default(1_000_000),
        rate_per_key: z
          .object({
            requests_per_minute: z.number().positive().default(600),
            burst: z.number().int().min(1).default(60),
          })
          .strict()
          .default({ requests_per_minute: 600, burst: 60 }),
        concurrent_streams_per_key: z.number().int().min(1).default(64),
        // How often replicas exchange their limit and budget counters through PostgreSQL.
        sync_ms: z.number().int().min(10).max(60_000).default(250),
      })
      .strict()
      .default({
        max_messages: 500,
        max_chars: 1_000_000,
        rate_per_key: { requests_per_minute: 600, burst: 60 },
        concurrent_streams_per_key: 64,
        sync_ms: 250,
      }),
    retention: z
      .object({
        // Whole monthly partitions of the routing log older than this are dropped; unset keeps everything.
        routing_log_days: z.number().int().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type GatewayFile = z.infer<typeof gatewayConfigSchema>;
export type AliasEntry = z.infer<typeof aliasSchema>;
