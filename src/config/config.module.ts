import { type DynamicModule, Global, Module } from '@nestjs/common';
import { MetricsService } from '../health/metrics.service.js';
import { APP_CONFIG, type AppConfig } from './app-config.js';

/** The validated, frozen configuration (and the metrics registry every module reports to). */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, MetricsService],
      exports: [APP_CONFIG, MetricsService],
    };
  }
}
