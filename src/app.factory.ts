import type { Server } from 'node:http';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module.js';
import { jsonBodyMiddleware, requestIdMiddleware } from './common/http-middleware.js';
import type { TallyRequest } from './common/request-context.js';
import type { AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres } from './database/embedded-postgres.js';
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

/** One metrics sample and one log line per HTTP request, when the response is done (streams: at their end). */
function requestTelemetry(metrics: MetricsService, logger: AppLogger) {
  const requests = metrics.counter('tally_http_requests_total', 'HTTP requests by method, route template and status.', [
    'method',
    'route',
    'status',
  ]);
  const duration = metrics.histogram(
    'tally_http_request_duration_seconds',
    'Time to the end of the response (streams: the whole stream).',
    ['method', 'route', 'status'],
  );
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('close', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : '__unmatched__';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      const seconds = (performance.now() - started) / 1000;
      requests.inc(labels);
      if (route === '/metrics') return;
      duration.observe(labels, seconds);
      // Fields picked one by one: no headers, no body, no query string can reach the line.
      logger.info(
        {
          event: 'http_request',
          request_id: (req as TallyRequest).requestId,
          method: req.method,
          route,
          status: res.statusCode,
          duration_ms: Math.round(seconds * 1e4) / 10,
          aborted: !res.writableFinished,
        },
        'request',
      );
    });
    next();
  };
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
  app.use(requestTelemetry(app.get(MetricsService), pinoLogger));
  app.use(jsonBodyMiddleware(config.maxBodyBytes));
  await app.init();
  const server = app.getHttpServer() as Server;
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
