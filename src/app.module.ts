import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdminModule } from './admin/admin.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ChatsModule } from './chats/chats.module.js';
import { ErrorFilter } from './common/error.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConsoleModule } from './console/console.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DurabilityModule } from './durability/durability.module.js';
import { HealthModule } from './health/health.module.js';
import { InferenceModule } from './inference/inference.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { type AppLogger } from './observability/logging.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { NO_TRACING, type Tracing } from './observability/tracing.js';
import { OpenApiModule } from './openapi/openapi.module.js';
import { RoutingLogModule } from './routing-log/routing-log.module.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, databaseUrl: string, logger: AppLogger, tracing: Tracing = NO_TRACING): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(logger, tracing),
        DatabaseModule.forRoot(databaseUrl, { migrateOnStart: config.migrateOnStart }),
        DurabilityModule,
        LimitsModule,
        AuthModule,
        RoutingLogModule,
        InferenceModule,
        ChatsModule,
        AdminModule,
        HealthModule,
        OpenApiModule,
        ConsoleModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: ErrorFilter }],
    };
  }
}
