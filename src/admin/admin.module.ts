import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { AdminController } from './admin.controller.js';

@Module({
  imports: [AuthModule, RoutingLogModule],
  controllers: [AdminController],
})
export class AdminModule {}
