import { Module } from '@nestjs/common';
import { CompletionTelemetry } from './completion-telemetry.js';
import { PartitionMaintainer } from './partition-maintainer.js';
import { PendingWrites } from './pending-writes.js';
import { RoutingLogRepository } from './routing-log.repository.js';
import { RoutingLogWriter } from './routing-log.writer.js';

@Module({
  providers: [RoutingLogWriter, CompletionTelemetry, PendingWrites, RoutingLogRepository, PartitionMaintainer],
  exports: [RoutingLogWriter, PendingWrites, RoutingLogRepository],
})
export class RoutingLogModule {}
