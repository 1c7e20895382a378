import { Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import type { Response } from 'express';
import { CurrentUser, JsonBody, parseBody, UuidParam } from '../common/params.js';
import type { AuthenticatedUser, TallyRequest } from '../common/request-context.js';
import { respondWithSse, writable } from '../inference/sse/sse-responder.js';
import { ChatsService } from './chats.service.js';
import { createChatSchema } from './dto/chat.dto.js';
import { createTurnSchema } from './dto/message.dto.js';
import { clientGone } from './http-signals.js';
import { TurnService } from './turn.service.js';

@Controller('chats')
export class ChatsController {
  constructor(
    private readonly chats: ChatsService,
    private readonly turns: TurnService,
  ) {}

  @Post()
  create(@CurrentUser() user: AuthenticatedUser, @JsonBody() body: unknown) {
    return this.chats.create(user, parseBody(createChatSchema, body));
  }

  @Get()
  list(@CurrentUser() user: AuthenticatedUser, @Query() query: unknown) {
    return this.chats.list(user, query);
  }

  @Get(':id')
  get(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') chatId: string) {
    return this.chats.get(user, chatId);
  }

  @Delete(':id')
  @HttpCode(204)
  async archive(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') chatId: string,
    @Req() req: TallyRequest,
  ): Promise<void> {
    await this.chats.archive(user, chatId, req.requestId);
  }

  @Get(':id/messages')
  listMessages(@CurrentUser() user: AuthenticatedUser, @UuidParam('id') chatId: string, @Query() query: unknown) {
    return this.chats.listMessages(user, chatId, query);
  }

  @Post(':id/messages')
  async postMessage(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') chatId: string,
    @JsonBody() body: unknown,
    @Req() req: TallyRequest,
    @Res() res: Response,
  ): Promise<void> {
    const input = parseBody(createTurnSchema, body);
    const turn = await this.turns.run({
      chatId,
      user,
      requestId: req.requestId,
      input,
      signal: clientGone(res),
      backpressure: writable(res),
    });
    if (turn.type === 'stream') return respondWithSse(res, turn.frames$, turn.headers);
    res.set(turn.headers).status(201).json(turn.body);
  }
}
