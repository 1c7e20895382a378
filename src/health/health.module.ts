import { Module } from '@nestjs/common';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [RoutingLogModule],
  controllers: [HealthController],
})
export class HealthModule {}
