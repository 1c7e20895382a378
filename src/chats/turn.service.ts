import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { catchError, concat, concatMap, defer, EMPTY, finalize, from, mergeMap, of } from 'rxjs';
import { AppError, ErrorCode } from '../common/app-error.js';
import { type Answer, type ClientConnection, jsonAnswer, sseAnswer } from '../common/http-transport.js';
import type { AuthenticatedUser } from '../common/request-context.js';
import { GatewayConfigHolder } from '../config/gateway-config.holder.js';
import type { ChatRequest } from '../inference/chat-request.schema.js';
import {
  CLIENT_CLOSED_STATUS,
  type Completion,
  InferenceService,
  type OpenedStream,
  type Route,
} from '../inference/inference.service.js';
import type { Usage } from '../inference/openai.types.js';
import { DONE_FRAME, dataFrame } from '../inference/sse/sse-frames.js';
import type { TraceCarrier } from '../observability/tracing.js';
import { PendingWrites } from '../routing-log/pending-writes.js';
import type { RoutingLogRow } from '../routing-log/routing-log.row.js';
import { AssistantMessageRecorder, type AssistantOutcome } from './assistant-message.recorder.js';
import { ChatsRepository } from './chats.repository.js';
import { ChatsService } from './chats.service.js';
import { type CreateTurnInput, type MessageView, messageView } from './dto/message.dto.js';
import { type MessageRow, userMessageRow } from './message.row.js';
import { type HistoryMessage, MessagesRepository } from './messages.repository.js';
import type { InferenceDetail } from './receipt-event.js';
import { inferenceDetail } from './receipts.service.js';

/** The model a turn uses when the body names none (the default gateway.yaml's `smart` alias). */
export const DEFAULT_TURN_MODEL = 'smart';
const TITLE_CHARS = 80;

export interface TurnContext {
  readonly chatId: string;
  readonly user: AuthenticatedUser;
  readonly requestId: string;
  /** The incoming request's headers (W3C trace context of the caller). */
  readonly carrier?: TraceCarrier;
  readonly input: CreateTurnInput;
  /** The client at the other end (disconnect signal, backpressure). */
  readonly client: ClientConnection;
}

export interface TurnBody {
  message: MessageView;
  user_message: MessageView;
  receipt: InferenceDetail | null;
}

interface TurnIds {
  chat_id: string;
  message_id: string;
  user_message_id: string;
}

/** The chat's title from its first user message: first non-empty line, whitespace collapsed. */
export function titleFrom(content: string): string {
  const line = content
    .split(/\r?\n|\r/)
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 0);
  if (!line) return 'New chat';
  return line.length > TITLE_CHARS ? `${line.slice(0, TITLE_CHARS - 1)}…` : line;
}

function routeHeaders(completionId: string, route: Route): Record<string, string> {
  return {
    'X-Completion-Id': completionId,
    'X-Routed-Provider': route.provider,
    'X-Routed-Inference-Tier': String(route.tier),
  };
}

function asAppError(error: unknown): AppError {
  return error instanceof AppError ? error : AppError.internal();
}

/** The message's error code: the envelope's code, or `client_closed` when the client went away. */
function messageErrorCode(error: AppError): string {
  return error.status === CLIENT_CLOSED_STATUS ? 'client_closed' : error.code;
}

/** The error answered to the client, carrying the turn's ids so it can find the stored message. */
function withTurnIds(error: AppError, ids: TurnIds): AppError {
  return new AppError(error.code, error.message, { ...error.details, ...ids }, error.status, error.headers);
}

function routeColumns(route: Route | null) {
  return {
    routed_provider: route?.provider ?? null,
    routed_model: route?.model ?? null,
    routed_inference_tier: route?.tier ?? null,
  };
}

function rowRoute(row: Readonly<RoutingLogRow>): Route {
  return { provider: row.routed_provider, model: row.routed_model, tier: Number(row.routed_inference_tier) };
}

/**
 * One chat turn: commit the user message, mint the assistant message id, run the chat history
 * through the inference pipeline in-process, and store the assistant message under that id. The
 * message and the completion's routing-log row are both committed before the client reads the JSON
 * body or `[DONE]`; a failed or abandoned turn still leaves its (partial) assistant message.
 */
@Injectable()
export class TurnService {
  private readonly logger = new Logger('TurnService');

  constructor(
    private readonly gateway: GatewayConfigHolder,
    private readonly inference: InferenceService,
    private readonly chatsService: ChatsService,
    private readonly chats: ChatsRepository,
    private readonly messages: MessagesRepository,
    private readonly pending: PendingWrites,
  ) {}

  async run(ctx: TurnContext): Promise<Answer> {
    const { input } = ctx;
    const chat = await this.chatsService.owned(ctx.user, ctx.chatId);
    if (chat.archived_at) throw this.archived(chat.id);
    const limits = this.gateway.current.limits;
    if (input.content.length > limits.max_chars) {
      throw new AppError(ErrorCode.InvalidRequest, `A message may carry at most ${limits.max_chars} characters.`, {
        limit: limits.max_chars,
      });
    }

    const userMessage = userMessageRow(randomUUID(), chat.id, input.content, new Date());
    if (!(await this.chats.addUserMessage(userMessage, titleFrom(input.content)))) throw this.archived(chat.id);

    const model = input.model ?? DEFAULT_TURN_MODEL;
    const assistant = new AssistantMessageRecorder(
      randomUUID(),
      { chat_id: chat.id, requested_model: model, user_message_created_at: userMessage.created_at },
      this.messages,
      this.pending,
    );
    const ids: TurnIds = { chat_id: chat.id, message_id: assistant.id, user_message_id: userMessage.id };
    const stream = input.stream === true;
    const request: ChatRequest = {
      model,
      messages: this.conversation(await this.messages.history(chat.id, limits.max_messages), limits.max_chars),
      stream,
      purpose: 'chat',
    };
    // Usage is asked for so the assistant message gets its token counts; these chunks never reach the client raw.
    if (stream) request.stream_options = { include_usage: true };
    if (input.anonymize !== undefined) request.anonymize = input.anonymize;
    if (input.minimum_inference_tier !== undefined) request.minimum_inference_tier = input.minimum_inference_tier;

    let completion: Completion;
    try {
      completion = await this.inference.begin({
        request,
        user: ctx.user,
        requestId: ctx.requestId,
        carrier: ctx.carrier,
        chatId: chat.id,
        messageId: assistant.id,
        chatMinimumTier: chat.minimum_inference_tier,
        privileged: chat.privileged,
      });
    } catch (error) {
      // Refused or unroutable: the routing-log row is committed; store the answer that never came.
      const appError = asAppError(error);
      const refused = appError.code === ErrorCode.TierBelowMinimum || appError.code === ErrorCode.InvalidModel;
      await assistant.save(this.failedOutcome(appError, null, '', refused));
      throw withTurnIds(appError, ids);
    }
    return stream
      ? this.streamTurn(ctx, completion, assistant, ids)
      : this.jsonTurn(ctx, completion, assistant, userMessage, ids);
  }

  private async jsonTurn(
    ctx: TurnContext,
    completion: Completion,
    assistant: AssistantMessageRecorder,
    userMessage: MessageRow,
    ids: TurnIds,
  ): Promise<Answer> {
    let completed: Awaited<ReturnType<InferenceService['complete']>>;
    try {
      completed = await this.inference.complete(completion, ctx.client.signal);
    } catch (error) {
      throw withTurnIds(await this.storeFailure(assistant, completion, null, '', error), ids);
    }
    const { message, receipt } = await this.storeAnswer(
      assistant,
      completion,
      completed.route,
      completed.body.choices[0]?.message?.content ?? '',
      completed.body.usage ?? null,
    );
    const body: TurnBody = { message: messageView(message), user_message: messageView(userMessage), receipt };
    return jsonAnswer(body, routeHeaders(completion.id, completed.route), 201);
  }

  private async streamTurn(
    ctx: TurnContext,
    completion: Completion,
    assistant: AssistantMessageRecorder,
    ids: TurnIds,
  ): Promise<Answer> {
    if (ctx.client.signal.aborted) {
      const closed = this.inference.abandon(completion);
      this.storeDetached(assistant, this.failedOutcome(closed, this.firstRoute(completion), '', false));
      throw closed;
    }
    let stream: OpenedStream;
    try {
      stream = await this.inference.openStream(completion, ctx.client);
    } catch (error) {
      throw withTurnIds(await this.storeFailure(assistant, completion, null, '', error), ids);
    }
    const { route } = stream;

    let content = '';
    let usage: Usage | null = null;
    const deltas$ = stream.chunks$.pipe(
      concatMap((batch) => {
        // The delta frames of one upstream read leave in one write.
        let frames = '';
        for (const chunk of batch.chunks) {
          if (chunk.usage) usage = chunk.usage;
          const text = chunk.choices[0]?.delta?.content;
          if (!text) continue;
          content += text;
          frames += dataFrame({ type: 'delta', message_id: assistant.id, content: text });
        }
        return frames ? of(frames) : EMPTY;
      }),
    );
    // The receipt invariant for a turn: the routing-log row, then the assistant message, are persisted
    // before `complete` and `[DONE]`, so a client closing on [DONE] cancels nothing.
    const persist$ = stream.persist$.pipe(
      concatMap(() => defer(() => this.storeAnswer(assistant, completion, route, content, usage))),
    );
    const frames$ = concat(
      of(dataFrame({ type: 'start', ...ids })),
      deltas$,
      persist$.pipe(
        concatMap(({ message, receipt }) =>
          of(dataFrame({ type: 'complete', message_id: assistant.id, message: messageView(message), receipt }), DONE_FRAME),
        ),
      ),
    ).pipe(
      catchError((error: unknown) =>
        stream.failed$(error).pipe(
          concatMap((appError) => defer(() => this.failureFrames(assistant, completion, route, content, appError))),
          mergeMap((frames) => from(frames)),
        ),
      ),
      finalize(() => {
        stream.release();
        // The client went away mid-turn: keep what arrived (detached from the response, tracked).
        if (!assistant.started) {
          this.storeDetached(assistant, this.failedOutcome(this.clientClosed(), route, content, false, usage));
        }
      }),
    );
    return sseAnswer(routeHeaders(completion.id, route), frames$);
  }

  /** After a mid-stream failure: store the partial message, then the error frame and `[DONE]`. */
  private async failureFrames(
    assistant: AssistantMessageRecorder,
    completion: Completion,
    route: Route,
    content: string,
    error: unknown,
  ): Promise<string[]> {
    let appError = asAppError(error);
    try {
      appError = await this.storeFailure(assistant, completion, route, content, error);
    } catch (storeError) {
      this.logger.error(`assistant message ${assistant.id} could not be stored: ${(storeError as Error)?.message ?? storeError}`);
      // Not committed, so no [DONE]: the client must not take this turn as recorded.
      return [
        dataFrame({
          type: 'error',
          message_id: assistant.id,
          error: { code: ErrorCode.InternalError, message: 'Internal server error.' },
        }),
      ];
    }
    return [
      dataFrame({ type: 'error', message_id: assistant.id, error: { code: appError.code, message: appError.message } }),
      DONE_FRAME,
    ];
  }

  /** Stores a successful answer with the counts and cost of its committed routing-log row. */
  private async storeAnswer(
    assistant: AssistantMessageRecorder,
    completion: Completion,
    route: Route,
    content: string,
    usage: Usage | null,
  ): Promise<{ message: MessageRow; receipt: InferenceDetail | null }> {
    const row = completion.recorder.recordedRow;
    const message = await assistant.save(async () => {
      return {
        kind: 'ai',
        content,
        ...routeColumns(route),
        prompt_tokens: row?.tokens_in ?? usage?.prompt_tokens ?? null,
        completion_tokens: row?.tokens_out ?? usage?.completion_tokens ?? null,
        cost_estimate: row?.cost_usd ?? null,
        error_code: null,
      };
    });
    return { message, receipt: row ? inferenceDetail(row) : null };
  }

  /** Stores a failed turn's message (route and counts from its committed row when known); returns the error. */
  private async storeFailure(
    assistant: AssistantMessageRecorder,
    completion: Completion,
    route: Route | null,
    content: string,
    error: unknown,
  ): Promise<AppError> {
    const appError = asAppError(error);
    await assistant.save(async () => {
      const row = completion.recorder.recordedRow;
      return {
        ...this.failedOutcome(appError, route ?? (row ? rowRoute(row) : null), content, false),
        prompt_tokens: row?.tokens_in ?? null,
        completion_tokens: row?.tokens_out ?? null,
        cost_estimate: row?.cost_usd ?? null,
      };
    });
    return appError;
  }

  private failedOutcome(
    error: AppError,
    route: Route | null,
    content: string,
    refused: boolean,
    usage?: Usage | null,
  ): AssistantOutcome {
    return {
      kind: refused ? 'refusal' : 'ai',
      content,
      ...routeColumns(route),
      prompt_tokens: usage?.prompt_tokens ?? null,
      completion_tokens: usage?.completion_tokens ?? null,
      cost_estimate: null,
      error_code: messageErrorCode(error),
    };
  }

  private storeDetached(assistant: AssistantMessageRecorder, outcome: AssistantOutcome): void {
    assistant.save(outcome).catch((error: unknown) => {
      this.logger.error(`assistant message ${assistant.id} could not be stored: ${(error as Error)?.message ?? error}`);
    });
  }

  /** The newest history that fits the request limits, oldest first (the new user message is last). */
  private conversation(history: HistoryMessage[], maxChars: number): ChatRequest['messages'] {
    let chars = 0;
    let first = history.length;
    while (first > 0 && chars + history[first - 1].content.length <= maxChars) {
      chars += history[first - 1].content.length;
      first--;
    }
    return history.slice(first).map((m) => ({ role: m.role, content: m.content }));
  }

  private firstRoute(completion: Completion): Route {
    const [candidate] = completion.candidates;
    return { provider: candidate.provider.name, model: candidate.model, tier: candidate.tier };
  }

  private clientClosed(): AppError {
    return new AppError(ErrorCode.InvalidRequest, 'The client closed the request.', {}, CLIENT_CLOSED_STATUS);
  }

  private archived(chatId: string): AppError {
    return new AppError(ErrorCode.NotFound, 'Chat is archived; it takes no new turns.', { chat_id: chatId });
  }
}
