import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from './logging.js';
import { MetricsService } from './metrics.service.js';

/** Metrics registry and structured logger of this app instance, available to every module. */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [{ provide: APP_LOGGER, useValue: logger }, MetricsService],
      exports: [APP_LOGGER, MetricsService],
    };
  }
}
