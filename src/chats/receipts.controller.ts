import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, UuidParam } from '../common/params.js';
import type { AuthenticatedUser, TallyRequest } from '../common/request-context.js';
import { respondWithJsonLines } from './jsonl-responder.js';
import type { ReceiptEvent } from './receipt-event.js';
import { ReceiptsService } from './receipts.service.js';

@Controller('chats/:id/receipts')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptsService) {}

  @Get()
  list(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') chatId: string,
    @Query() query: unknown,
    @Req() req: TallyRequest,
  ): Promise<ReceiptEvent[]> {
    return this.receipts.list(user, chatId, query, req.requestId);
  }

  @Get('export.jsonl')
  async export(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') chatId: string,
    @Query() query: unknown,
    @Req() req: TallyRequest,
    @Res() res: Response,
  ): Promise<void> {
    const { filename, batches } = await this.receipts.export(user, chatId, query, req.requestId);
    await respondWithJsonLines(res, batches, {
      'Content-Disposition': `attachment; filename="${filename}"`,
      'Cache-Control': 'no-store',
    });
  }
}
