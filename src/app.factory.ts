import type { Server } from 'node:http';
import { ConsoleLogger, type INestApplication, type LoggerService, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AppModule } from './app.module.js';
import { jsonBodyMiddleware, requestIdMiddleware } from './common/http-middleware.js';
import type { AppConfig } from './config/app-config.js';
import { startEmbeddedPostgres } from './database/embedded-postgres.js';
import { MetricsService } from './health/metrics.service.js';

const LEVELS: Record<AppConfig['logLevel'], LogLevel[]> = {
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
  info: ['fatal', 'error', 'warn', 'log'],
  warn: ['fatal', 'error', 'warn'],
  error: ['fatal', 'error'],
};

export interface RunningApp {
  readonly app: INestApplication;
  readonly databaseUrl: string;
  /** Stops the application (graceful drain), then the embedded database if this process started it. */
  close(): Promise<void>;
}

function requestMetrics(metrics: MetricsService) {
  metrics.describe('tally_http_requests_total', 'HTTP requests by method, route template and status.');
  metrics.describe('tally_http_request_duration_seconds', 'Time to the end of the response (streams: the whole stream).');
  return (req: Request, res: Response, next: NextFunction) => {
    const started = performance.now();
    res.on('close', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : '__unmatched__';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      metrics.increment('tally_http_requests_total', labels);
      if (route !== '/metrics')
        metrics.observe('tally_http_request_duration_seconds', labels, (performance.now() - started) / 1000);
    });
    next();
  };
}

/** Builds the whole service: database (embedded when DATABASE_URL is unset), Nest app, middleware. */
export async function createApp(
  config: AppConfig,
  logger: LoggerService = new ConsoleLogger('Tally', { logLevels: LEVELS[config.logLevel] }),
): Promise<RunningApp> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, 'tally', {
        info: (line) => logger.log(line, 'EmbeddedPostgres'),
        debug: (line) => logger.debug?.(line, 'EmbeddedPostgres'),
      });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, databaseUrl), {
      bodyParser: false,
      logger,
      // After the graceful drain (ShutdownSignal), keep-alive sockets must not hold the process open.
      forceCloseConnections: true,
      // Reject instead of exiting, so a ConfigError from a provider's options gets main's message and the embedded database stops.
      abortOnError: false,
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(requestMetrics(app.get(MetricsService)));
  app.use(jsonBodyMiddleware(config.maxBodyBytes));
  await app.init();
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = 65_000;
  return {
    app,
    databaseUrl,
    async close() {
      // Stop taking connections first; live streams finish inside app.close() (ShutdownSignal).
      server.close();
      server.closeIdleConnections();
      await app.close();
      await embedded?.stop();
    },
  };
}
