import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_LOGGER, type AppLogger } from './logging.js';
import { MetricsService } from './metrics.service.js';
import { NO_TRACING, TRACING, type Tracing } from './tracing.js';

/**
 * This app instance's metrics registry, structured logger and tracing (started before Nest, see
 * app.factory.ts; the no-op unless an OTLP endpoint is set), available to every module.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(logger: AppLogger, tracing: Tracing = NO_TRACING): DynamicModule {
    return {
      module: ObservabilityModule,
      providers: [{ provide: APP_LOGGER, useValue: logger }, { provide: TRACING, useValue: tracing }, MetricsService],
      exports: [APP_LOGGER, TRACING, MetricsService],
    };
  }
}
