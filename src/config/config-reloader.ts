import { basename } from 'node:path';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../observability/metrics.service.js';
import { APP_CONFIG, type AppConfig, ConfigError, loadGatewayConfig } from './app-config.js';
import { GatewayConfigHolder, type GatewaySnapshot } from './gateway-config.holder.js';

/** The environment the process started with: `${VAR}` in a reloaded file expands against the same values. */
export const CONFIG_ENV = Symbol('CONFIG_ENV');

export type ReloadResult =
  | { readonly outcome: 'reloaded'; readonly snapshot: GatewaySnapshot }
  | { readonly outcome: 'unchanged'; readonly snapshot: GatewaySnapshot }
  | { readonly outcome: 'rejected'; readonly snapshot: GatewaySnapshot; readonly message: string };

/** What /ready shows about the configuration. */
export interface ConfigStatus {
  readonly version: number;
  readonly loaded_at: string;
  readonly sha256: string;
  /** Reloads that swapped a new file in since start-up. */
  readonly reloads: number;
  /** The latest reload attempt's error when it was refused (first line, path shortened), else null. */
  readonly last_reload_error: { readonly at: string; readonly message: string } | null;
}

/**
 * Re-reads `gateway.yaml` (on SIGHUP, see main.ts) through the start-up code path and swaps it in
 * for new requests; a file start-up would refuse is refused with the same message, logged, and the
 * old configuration keeps serving. Reloads run one at a time, in the order asked. Never throws.
 */
@Injectable()
export class ConfigReloader {
  private readonly logger = new Logger('Config');
  private queue: Promise<unknown> = Promise.resolve();
  private reloads = 0;
  private lastError: ConfigStatus['last_reload_error'] = null;
  private readonly attempts: Counter<'result'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONFIG_ENV) private readonly env: Record<string, string | undefined>,
    private readonly holder: GatewayConfigHolder,
    metrics: MetricsService,
  ) {
    this.attempts = metrics.counter(
      'tally_config_reloads_total',
      'gateway.yaml reload attempts (SIGHUP) by result: reloaded, unchanged, rejected.',
      ['result'],
    );
    metrics.gauge(
      'tally_config_version',
      'Version of the gateway.yaml being served (1 at start-up, +1 per reload).',
      () => this.holder.current.version,
    );
  }

  reload(trigger = 'reload'): Promise<ReloadResult> {
    const run = this.queue.then(() => {
      const result = this.reloadNow(trigger);
      this.attempts.inc({ result: result.outcome });
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  status(): ConfigStatus {
    const current = this.holder.current;
    return {
      version: current.version,
      loaded_at: current.loadedAt,
      sha256: current.gatewayConfigSha256,
      reloads: this.reloads,
      last_reload_error: this.lastError,
    };
  }

  private reloadNow(trigger: string): ReloadResult {
    const path = this.config.gatewayConfigPath;
    const previous = this.holder.current;
    try {
      const next = loadGatewayConfig(path, this.env);
      if (next.gatewayConfigSha256 === previous.gatewayConfigSha256) {
        this.lastError = null;
        this.logger.log(`${trigger}: ${path} unchanged (sha256 ${short(previous)}, version ${previous.version})`);
        return { outcome: 'unchanged', snapshot: previous };
      }
      const snapshot = this.holder.replace(next);
      this.reloads++;
      this.lastError = null;
      if (next.limits.sync_ms !== this.config.limits.sync_ms) {
        this.logger.warn(
          `${trigger}: limits.sync_ms changed to ${next.limits.sync_ms}; it takes effect at the next start (still ${this.config.limits.sync_ms} ms)`,
        );
      }
      this.logger.log(
        `${trigger}: reloaded ${path} (sha256 ${short(snapshot)}, version ${snapshot.version}); streams already running keep version ${previous.version}`,
      );
      return { outcome: 'reloaded', snapshot };
    } catch (error) {
      const message =
        error instanceof ConfigError
          ? `invalid configuration\n${error.message}`
          : `reload failed: ${(error as Error)?.stack ?? String(error)}`;
      this.logger.error(
        `${trigger}: reload refused, still serving sha256 ${short(previous)} (version ${previous.version}): ${message}`,
      );
      const firstLine = (error instanceof ConfigError ? error.message : message).split('\n')[0];
      this.lastError = { at: new Date().toISOString(), message: firstLine.replaceAll(path, basename(path)).slice(0, 500) };
      return { outcome: 'rejected', snapshot: previous, message };
    }
  }
}

function short(snapshot: GatewaySnapshot): string {
  return snapshot.gatewayConfigSha256.slice(0, 12);
}
