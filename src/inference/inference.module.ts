import { Module } from '@nestjs/common';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { CompletionPlanner } from './completion-planner.js';
import { EmbeddingsController } from './embeddings.controller.js';
import { EmbeddingsService } from './embeddings.service.js';
import { InferenceController } from './inference.controller.js';
import { InferenceService } from './inference.service.js';
import { ModelRouter } from './model-router.js';
import { ModelsCatalog } from './models.catalog.js';
import { ModelsDiscovery } from './models.discovery.js';
import { Pricing } from './pricing.js';
import { ProviderRegistry } from './provider-registry.js';
import { ShutdownSignal } from './shutdown-signal.js';

@Module({
  imports: [RoutingLogModule],
  controllers: [InferenceController, EmbeddingsController],
  providers: [
    InferenceService,
    EmbeddingsService,
    CompletionPlanner,
    ModelRouter,
    Pricing,
    ProviderRegistry,
    ModelsCatalog,
    ModelsDiscovery,
    ShutdownSignal,
  ],
  exports: [InferenceService],
})
export class InferenceModule {}
