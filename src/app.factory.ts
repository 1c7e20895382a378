import type { Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { admitBearer, hasAccessMetadata } from './auth/auth.guard.js';
import { AuthService } from './auth/auth.service.js';
import { RateLimiter } from './auth/rate-limiter.js';
import { installFastLane } from './common/fast-lane.js';
import { jsonBodyMiddleware, requestIdMiddleware } from './common/http-middleware.js';
import { requestTelemetry, requestTelemetryMiddleware } from './common/http-telemetry.js';
import type { AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres } from './database/embedded-postgres.js';
import { EmbeddingsController } from './inference/embeddings.controller.js';
import { InferenceController } from './inference/inference.controller.js';
import { type AppLogger, createAppLogger, PinoNestLogger } from './observability/logging.js';
import { MetricsService } from './observability/metrics.service.js';
import { startTracing } from './observability/tracing.js';

export interface RunningApp {
  readonly app: INestApplication;
  readonly databaseUrl: string;
  /** The app's structured logger (the same pino instance Nest's Logger writes through). */
  readonly logger: AppLogger;
  /** Stops the application (graceful drain), then the embedded database if this process started it. */
  close(): Promise<void>;
}

export interface CreateAppOptions {
  /** Where Nest's own log lines go instead of the app's pino logger (tests capture them). */
  readonly logger?: LoggerService;
  /** Where the pino logger writes instead of stdout (tests capture the lines). */
  readonly logDestination?: DestinationStream;
}

/** Builds the whole service: database (embedded when DATABASE_URL is unset), Nest app, middleware. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<RunningApp> {
  const { logger: pinoLogger, flush } = createAppLogger(config, options.logDestination);
  const logger = options.logger ?? new PinoNestLogger(pinoLogger);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, 'tally', {
        info: (line) => logger.log(line, 'EmbeddedPostgres'),
        debug: (line) => logger.debug?.(line, 'EmbeddedPostgres'),
      }).catch((error: unknown) => {
        flush();
        throw error;
      });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  // The SDK is imported only when an OTLP endpoint is configured; otherwise this is the no-op.
  const tracing = await startTracing(config.tracing);
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl, pinoLogger, tracing), {
      bodyParser: false,
      logger,
      // After the graceful drain (ShutdownSignal), keep-alive sockets must not hold the process open.
      forceCloseConnections: true,
      // Reject instead of exiting, so a ConfigError from a provider's options gets main's message and the embedded database stops.
      abortOnError: false,
    });
  } catch (error) {
    await tracing.shutdown();
    await embedded?.stop();
    flush();
    throw error;
  }
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);
  const observe = requestTelemetry(app.get(MetricsService), pinoLogger);
  app.use(requestTelemetryMiddleware(observe));
  app.use(jsonBodyMiddleware(config.maxBodyBytes));
  await app.init();
  const server = app.getHttpServer() as Server;
  const [auth, limiter, reflector] = [app.get(AuthService), app.get(RateLimiter), app.get(Reflector)];
  installFastLane(
    server,
    [
      { path: '/v1/chat/completions', controller: app.get(InferenceController), method: 'createChatCompletion' },
      { path: '/v1/embeddings', controller: app.get(EmbeddingsController), method: 'createEmbeddings' },
    ],
    {
      observe,
      maxBodyBytes: config.maxBodyBytes,
      admit: (req) => admitBearer(req, auth, limiter),
      needsGuard: (handler, cls) => hasAccessMetadata(reflector, handler, cls),
    },
  );
  server.keepAliveTimeout = 65_000;
  return {
    app,
    databaseUrl,
    logger: pinoLogger,
    async close() {
      // Stop taking connections first; live streams finish inside app.close() (ShutdownSignal).
      server.close();
      server.closeIdleConnections();
      try {
        await app.close();
        // After the drain: the spans of the last completions (their rows are written by now) are exported.
        await tracing.shutdown();
        await embedded?.stop();
      } finally {
        // Every completion line was written before app.close() resolved (pending writes are awaited).
        flush();
      }
    },
  };
}
