import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TracingConfig } from '../observability/tracing.js';
import { expandEnv } from './expand-env.js';
import { type AliasEntry, type GatewayFile, gatewayConfigSchema, type ProviderType } from './gateway-config.schema.js';

export const APP_CONFIG = Symbol('APP_CONFIG');

const optionalUrl = z
  .string()
  .regex(/^https?:\/\//, 'must be an http:// or https:// URL')
  .optional()
  .or(z.literal('').transform(() => undefined));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  DATA_DIR: z.string().min(1).default('./.data'),
  GATEWAY_CONFIG: z.string().min(1).default('config/gateway.yaml'),
  ADMIN_API_KEY: z
    .string()
    .min(16, 'must be at least 16 characters')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .optional()
    .or(z.literal('').transform(() => undefined)),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  CONSOLE_DIR: z.string().min(1).default('dist/web'),
  MIGRATE_ON_START: z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true' || v === '1'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z
    .string()
    .optional()
    .transform((v) => v || undefined),
});

export interface ProviderConfig {
  readonly name: string;
  readonly type: ProviderType;
  readonly baseUrl: string | undefined;
  readonly apiKey: string | undefined;
  /** `azure_openai` only: the `api-version` query parameter. */
  readonly apiVersion: string | undefined;
  /** false when switched off in the file or when its `api_key_env` is unset. */
  readonly enabled: boolean;
  readonly disabledReason: string | undefined;
  readonly tier: number | undefined;
  readonly models: readonly string[];
  readonly timeoutMs: number;
  readonly maxDurationMs: number;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * The part of the configuration that comes from `gateway.yaml`: what a reload (SIGHUP) may replace.
 * Everything else in AppConfig comes from the environment and is fixed for the life of the process.
 */
export interface GatewayConfig {
  readonly gatewayConfigPath: string;
  /** sha256 (hex) of the file's bytes as read, so an operator can compare it with `sha256sum`. */
  readonly gatewayConfigSha256: string;
  readonly providers: readonly ProviderConfig[];
  readonly aliases: Readonly<Record<string, AliasEntry>>;
  readonly tiers: GatewayFile['tiers'];
  readonly prices: GatewayFile['prices'];
  readonly anonymization: GatewayFile['anonymization'];
  readonly limits: GatewayFile['limits'];
  readonly retention: GatewayFile['retention'];
}

export interface AppConfig extends GatewayConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly adminApiKey: string | undefined;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** `LOG_FORMAT`, else `pretty` when stdout is a terminal and `json` otherwise. */
  readonly logFormat: 'json' | 'pretty';
  readonly maxBodyBytes: number;
  readonly shutdownGraceMs: number;
  /** The web console's built files (`npm run build:web`), served by src/console. */
  readonly consoleDir: string;
  /** Run migrations (under the advisory lock) at start-up; false: wait for `npm run migrate`. */
  readonly migrateOnStart: boolean;
  /** OpenTelemetry traces over OTLP/HTTP; undefined (no OTLP endpoint set): no tracing module is loaded. */
  readonly tracing: TracingConfig | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export const MAX_ALIAS_DEPTH = 8;

export interface AliasChain {
  /** The aliases walked, starting with the one asked for (a cycle repeats its first repeated name at the end). */
  readonly path: readonly string[];
  /** The provider model the chain ends at. */
  readonly terminal: AliasEntry['primary'];
  readonly problem?: 'cycle' | 'depth';
}

/**
 * Follows `primary.model` through aliases to the provider model it ends at. An alias whose primary
 * names its own name (`gpt-4o: { primary: { provider: openai, model: gpt-4o } }`) ends there: it means
 * that provider's model, not a cycle.
 */
export function aliasChain(aliases: Readonly<Record<string, AliasEntry>>, name: string): AliasChain {
  const path = [name];
  let terminal = aliases[name].primary;
  while (terminal.model !== path[path.length - 1] && Object.hasOwn(aliases, terminal.model)) {
    if (path.includes(terminal.model)) return { path: [...path, terminal.model], terminal, problem: 'cycle' };
    path.push(terminal.model);
    if (path.length > MAX_ALIAS_DEPTH) return { path, terminal, problem: 'depth' };
    terminal = aliases[terminal.model].primary;
  }
  return { path, terminal };
}

function formatIssues(source: string, error: z.ZodError): string {
  return error.issues
    .map((issue) => `${source}: ${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

function checkReferences(file: GatewayFile, source: string): void {
  const names = new Set<string>();
  for (const provider of file.providers) {
    if (names.has(provider.name)) throw new ConfigError(`${source}: providers: duplicate name "${provider.name}"`);
    names.add(provider.name);
  }
  for (const [alias, entry] of Object.entries(file.aliases)) {
    for (const [i, target] of [entry.primary, ...entry.fallback].entries()) {
      if (!names.has(target.provider)) {
        const key = i === 0 ? 'primary' : `fallback.${i - 1}`;
        throw new ConfigError(`${source}: aliases.${alias}.${key}.provider: unknown provider "${target.provider}"`);
      }
    }
    const chain = aliasChain(file.aliases, alias);
    if (chain.problem === 'cycle') {
      throw new ConfigError(`${source}: aliases.${alias}: alias cycle ${chain.path.join(' -> ')}`);
    }
    if (chain.problem === 'depth') {
      throw new ConfigError(`${source}: aliases.${alias}: alias chain deeper than ${MAX_ALIAS_DEPTH}`);
    }
  }
  for (const key of Object.keys(file.prices)) {
    if (!names.has(key.slice(0, key.indexOf('/')))) {
      throw new ConfigError(`${source}: prices.${key}: unknown provider "${key.slice(0, key.indexOf('/'))}"`);
    }
  }
}

/** Provider types whose public API has one well-known root, used when an entry gives no `base_url`. */
const DEFAULT_BASE_URLS: Partial<Record<ProviderType, string>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
};

function resolveProvider(
  entry: GatewayFile['providers'][number],
  env: Record<string, string | undefined>,
  source: string,
): ProviderConfig {
  const needsUrl = entry.type !== 'simulated';
  if (needsUrl && !entry.base_url && !DEFAULT_BASE_URLS[entry.type]) {
    throw new ConfigError(`${source}: providers.${entry.name}.base_url: required for type ${entry.type}`);
  }
  if (entry.type === 'azure_openai' && !entry.api_version) {
    throw new ConfigError(`${source}: providers.${entry.name}.api_version: required for type azure_openai`);
  }
  if (entry.type !== 'azure_openai' && entry.api_version) {
    throw new ConfigError(`${source}: providers.${entry.name}.api_version: only for type azure_openai`);
  }
  const apiKey = entry.api_key_env ? env[entry.api_key_env] || undefined : undefined;
  let disabledReason: string | undefined;
  if (!entry.enabled) disabledReason = 'disabled in config';
  else if (entry.api_key_env && !apiKey) disabledReason = `${entry.api_key_env} is not set`;
  return Object.freeze({
    name: entry.name,
    type: entry.type,
    baseUrl: entry.base_url?.replace(/\/+$/, '') ?? DEFAULT_BASE_URLS[entry.type],
    apiKey,
    apiVersion: entry.api_version,
    enabled: disabledReason === undefined,
    disabledReason,
    tier: entry.tier,
    models: Object.freeze([...entry.models]),
    timeoutMs: Math.round(entry.timeout_s * 1000),
    maxDurationMs: Math.round(entry.max_duration_s * 1000),
    options: Object.freeze({ ...entry.options }),
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * As the OpenTelemetry SDK reads them: the traces endpoint is used as given; the general endpoint gets
 * `v1/traces` appended. Either one switches tracing on.
 */
function tracingConfig(e: z.infer<typeof envSchema>): TracingConfig | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base}${base.endsWith('/') ? '' : '/'}v1/traces`);
  return tracesUrl ? { tracesUrl, serviceName: e.OTEL_SERVICE_NAME ?? 'tally' } : undefined;
}

/**
 * Reads and validates `gateway.yaml` at `path` (absolute): YAML, `${VAR}` expansion, schema, references.
 * Start-up and every reload go through here, so a file is accepted or refused the same way by both.
 */
export function loadGatewayConfig(path: string, env: Record<string, string | undefined> = process.env): GatewayConfig {
  let raw: unknown;
  let sha256: string;
  try {
    const bytes = readFileSync(path);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    raw = parseYaml(bytes.toString('utf8'));
  } catch (error) {
    throw new ConfigError(`${path}: cannot be read as YAML: ${(error as Error).message}`);
  }
  let expanded: unknown;
  try {
    expanded = expandEnv(raw ?? {}, env);
  } catch (error) {
    throw new ConfigError(`${path}: ${(error as Error).message}`);
  }
  const parsedFile = gatewayConfigSchema.safeParse(expanded);
  if (!parsedFile.success) throw new ConfigError(formatIssues(path, parsedFile.error));
  const file = parsedFile.data;
  checkReferences(file, path);
  return deepFreeze({
    gatewayConfigPath: path,
    gatewayConfigSha256: sha256,
    providers: file.providers.map((p) => resolveProvider(p, env, path)),
    aliases: file.aliases,
    tiers: file.tiers,
    prices: file.prices,
    anonymization: file.anonymization,
    limits: file.limits,
    retention: file.retention,
  });
}

/** Reads the environment and `gateway.yaml` once, validates both, and returns one frozen object. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
  stdoutIsTerminal = process.stdout.isTTY === true,
): AppConfig {
  const parsedEnv = envSchema.safeParse(env);
  if (!parsedEnv.success) throw new ConfigError(formatIssues('environment', parsedEnv.error));
  const e = parsedEnv.data;
  const path = isAbsolute(e.GATEWAY_CONFIG) ? e.GATEWAY_CONFIG : resolve(cwd, e.GATEWAY_CONFIG);
  const gateway = loadGatewayConfig(path, env);
  return deepFreeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(cwd, e.DATA_DIR),
    adminApiKey: e.ADMIN_API_KEY,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? (stdoutIsTerminal ? 'pretty' : 'json'),
    maxBodyBytes: e.MAX_BODY_BYTES,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    consoleDir: isAbsolute(e.CONSOLE_DIR) ? e.CONSOLE_DIR : resolve(cwd, e.CONSOLE_DIR),
    migrateOnStart: e.MIGRATE_ON_START,
    tracing: tracingConfig(e),
    ...gateway,
  });
}
