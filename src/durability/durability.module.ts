import { Global, Module } from '@nestjs/common';
import { DurableWriter } from './durable-writer.js';

@Global()
@Module({ providers: [DurableWriter], exports: [DurableWriter] })
export class DurabilityModule {}
