import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { AuditLogRepository } from '../chats/audit-log.repository.js';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { AdminController } from './admin.controller.js';
import { SubjectLimitsRepository } from './subject-limits.repository.js';
import { TurnInspectionRepository } from './turn-inspection.repository.js';
import { TurnInspectionService } from './turn-inspection.service.js';
import { UsageRepository } from './usage.repository.js';

@Module({
  imports: [AuthModule, RoutingLogModule],
  controllers: [AdminController],
  // AuditLogRepository is stateless (append-only inserts); ChatsModule does not export it.
  providers: [AuditLogRepository, SubjectLimitsRepository, TurnInspectionRepository, TurnInspectionService, UsageRepository],
})
export class AdminModule {}
