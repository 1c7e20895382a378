import { Injectable } from '@nestjs/common';
import { GatewayConfigHolder, type GatewaySnapshot } from '../config/gateway-config.holder.js';
import { ModelRouter } from './model-router.js';
import { Pricing } from './pricing.js';
import { ProviderRegistry } from './provider-registry.js';

/**
 * Everything a completion routes, prices and anonymizes with, built from one configuration version.
 * A completion takes the current table when it begins and uses it to its end, so a reload never
 * changes a request half-way.
 */
export class RoutingTable {
  readonly router: ModelRouter;
  readonly providers: ProviderRegistry;
  readonly pricing: Pricing;

  constructor(
    readonly config: GatewaySnapshot,
    previous?: RoutingTable,
  ) {
    this.providers = new ProviderRegistry(config, previous?.providers);
    this.router = new ModelRouter(config);
    this.pricing = new Pricing(config);
  }
}

/** The routing table of the configuration being served; a reload builds the next one before it is swapped in. */
@Injectable()
export class RoutingTables {
  private table: RoutingTable;

  constructor(holder: GatewayConfigHolder) {
    this.table = new RoutingTable(holder.current);
    holder.onPrepare((next) => {
      const table = new RoutingTable(next, this.table);
      return () => {
        this.table = table;
      };
    });
  }

  get current(): RoutingTable {
    return this.table;
  }
}
