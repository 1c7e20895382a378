import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from './app-config.js';
import { CONFIG_ENV, ConfigReloader } from './config-reloader.js';
import { GatewayConfigHolder } from './gateway-config.holder.js';

/**
 * The validated, frozen configuration: APP_CONFIG as read at start-up (the environment part is
 * fixed for the process), and GatewayConfigHolder for the `gateway.yaml` part that a reload may replace.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CONFIG_ENV, useValue: env },
        { provide: GatewayConfigHolder, useValue: new GatewayConfigHolder(config) },
        ConfigReloader,
      ],
      exports: [APP_CONFIG, GatewayConfigHolder, ConfigReloader],
    };
  }
}
