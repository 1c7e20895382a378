import { Injectable } from '@nestjs/common';
import type { GatewayConfig } from './app-config.js';

/** One immutable version of `gateway.yaml` as served: a completion takes one when it starts and keeps it to its end. */
export interface GatewaySnapshot extends GatewayConfig {
  /** 1 for the file read at start-up, then one more for every reload that swapped a file in. */
  readonly version: number;
  /** When this version was read and swapped in (ISO 8601). */
  readonly loadedAt: string;
}

/**
 * Builds what a snapshot needs beyond the file (provider adapters, routing) and checks it; throws a
 * ConfigError to refuse the snapshot. Returns the step that makes the built state current.
 */
export type SnapshotPreparer = (next: GatewaySnapshot, previous: GatewaySnapshot) => () => void;

function snapshotOf(config: GatewayConfig, version: number): GatewaySnapshot {
  return Object.freeze({
    gatewayConfigPath: config.gatewayConfigPath,
    gatewayConfigSha256: config.gatewayConfigSha256,
    providers: config.providers,
    aliases: config.aliases,
    tiers: config.tiers,
    prices: config.prices,
    anonymization: config.anonymization,
    limits: config.limits,
    retention: config.retention,
    version,
    loadedAt: new Date().toISOString(),
  });
}

/**
 * The `gateway.yaml` being served now. Readers take `current` (one property read) and keep the
 * snapshot for as long as the work it started lasts; `replace` swaps in a new one for later readers.
 */
@Injectable()
export class GatewayConfigHolder {
  private snapshot: GatewaySnapshot;
  private readonly preparers: SnapshotPreparer[] = [];

  constructor(initial: GatewayConfig) {
    this.snapshot = snapshotOf(initial, 1);
  }

  get current(): GatewaySnapshot {
    return this.snapshot;
  }

  /** Registers a step every later snapshot must pass before it is swapped in (the start-up one is built by its owner). */
  onPrepare(preparer: SnapshotPreparer): void {
    this.preparers.push(preparer);
  }

  /**
   * Swaps `config` in when every preparer accepts it; when one throws, nothing changes and the error
   * propagates. The swap and its commits run in one synchronous step, so no request sees half of it.
   */
  replace(config: GatewayConfig): GatewaySnapshot {
    const previous = this.snapshot;
    const next = snapshotOf(config, previous.version + 1);
    const commits = this.preparers.map((prepare) => prepare(next, previous));
    this.snapshot = next;
    for (const commit of commits) commit();
    return next;
  }
}
