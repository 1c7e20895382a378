import { Module } from '@nestjs/common';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { CompletionPlanner } from './completion-planner.js';
import { EmbeddingsController } from './embeddings.controller.js';
import { EmbeddingsService } from './embeddings.service.js';
import { InferenceController } from './inference.controller.js';
import { InferenceService } from './inference.service.js';
import { ModelsCatalog } from './models.catalog.js';
import { ModelsDiscovery } from './models.discovery.js';
import { RoutingTables } from './routing-table.js';
import { ShutdownSignal } from './shutdown-signal.js';

@Module({
  imports: [RoutingLogModule],
  controllers: [InferenceController, EmbeddingsController],
  providers: [
    InferenceService,
    EmbeddingsService,
    CompletionPlanner,
    RoutingTables,
    ModelsCatalog,
    ModelsDiscovery,
    ShutdownSignal,
  ],
  exports: [InferenceService],
})
export class InferenceModule {}
