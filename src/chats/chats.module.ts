import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module.js';
import { RoutingLogModule } from '../routing-log/routing-log.module.js';
import { AuditLogRepository } from './audit-log.repository.js';
import { ChatsController } from './chats.controller.js';
import { ChatsRepository } from './chats.repository.js';
import { ChatsService } from './chats.service.js';
import { MessagesRepository } from './messages.repository.js';
import { ReceiptsController } from './receipts.controller.js';
import { ReceiptsRepository } from './receipts.repository.js';
import { ReceiptsService } from './receipts.service.js';
import { TurnService } from './turn.service.js';

/** Chats, turns through the inference pipeline (in-process), and receipts. */
@Module({
  imports: [InferenceModule, RoutingLogModule],
  controllers: [ReceiptsController, ChatsController],
  providers: [
    ChatsRepository,
    MessagesRepository,
    AuditLogRepository,
    ReceiptsRepository,
    ChatsService,
    TurnService,
    ReceiptsService,
  ],
})
export class ChatsModule {}
