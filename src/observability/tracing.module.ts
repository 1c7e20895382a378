import { type DynamicModule, Global, Module } from '@nestjs/common';
import { NO_TRACING, TRACING, type Tracing } from './tracing.js';

/** The app's Tracing (started before Nest, see app.factory.ts), injectable everywhere as TRACING. */
@Global()
@Module({})
export class TracingModule {
  static forRoot(tracing: Tracing = NO_TRACING): DynamicModule {
    return { module: TracingModule, providers: [{ provide: TRACING, useValue: tracing }], exports: [TRACING] };
  }
}
