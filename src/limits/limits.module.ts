import { Global, Module } from '@nestjs/common';
import { LimitsService } from './limits.service.js';

/** Limits and budgets shared across replicas; global, as the auth guard, the pipeline and the writer all consult it. */
@Global()
@Module({ providers: [LimitsService], exports: [LimitsService] })
export class LimitsModule {}
