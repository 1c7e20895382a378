import { Controller, Delete, Get, HttpCode, Post, Query, Req } from '@nestjs/common';
import { type Answer, AnswerRoute, Client, type ClientConnection } from '../common/http-transport.js';
import { CurrentUser, JsonBody, parseBody, UuidParam } from '../common/params.js';
import type { AuthenticatedUser, TallyRequest } from '../common/request-context.js';
import { ChatsService } from './chats.service.js';
import { createChatSchema } from './dto/chat.dto.js';
import { createTurnSchema } from './dto/message.dto.js';
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
  @AnswerRoute()
  postMessage(
    @CurrentUser() user: AuthenticatedUser,
    @UuidParam('id') chatId: string,
    @JsonBody() body: unknown,
    @Req() req: TallyRequest,
    @Client() client: ClientConnection,
  ): Promise<Answer> {
    return this.turns.run({
      chatId,
      user,
      requestId: req.requestId,
      carrier: req.headers,
      input: parseBody(createTurnSchema, body),
      client,
    });
  }
}
