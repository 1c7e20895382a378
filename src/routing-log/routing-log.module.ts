import { Module } from '@nestjs/common';
import { PartitionMaintainer } from './partition-maintainer.js';
import { PendingWrites } from './pending-writes.js';
import { RoutingLogRepository } from './routing-log.repository.js';
import { RoutingLogWriter } from './routing-log.writer.js';

@Module({
  providers: [RoutingLogWriter, PendingWrites, RoutingLogRepository, PartitionMaintainer],
  exports: [RoutingLogWriter, PendingWrites, RoutingLogRepository],
})
export class RoutingLogModule {}
