import { Module } from '@nestjs/common';
import { PendingWrites } from './pending-writes.js';
import { RoutingLogRepository } from './routing-log.repository.js';
import { RoutingLogWriter } from './routing-log.writer.js';

@Module({
  providers: [RoutingLogWriter, PendingWrites, RoutingLogRepository],
  exports: [RoutingLogWriter, PendingWrites, RoutingLogRepository],
})
export class RoutingLogModule {}
