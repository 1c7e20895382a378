import { Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { consoleMiddleware } from './console.middleware.js';
import { ConsoleFiles } from './console-files.js';

/**
 * Serves the web console (`web/`, built by Vite) under `/console/`. It is middleware, not routes:
 * the console adds no operation to the API, so the OpenAPI document and the router agree without it.
 */
@Module({
  providers: [
    { provide: ConsoleFiles, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new ConsoleFiles(config.consoleDir) },
  ],
  exports: [ConsoleFiles],
})
export class ConsoleModule implements NestModule {
  constructor(@Inject(ConsoleFiles) private readonly files: ConsoleFiles) {}

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(consoleMiddleware(this.files)).forRoutes('*');
  }
}
