import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { AppLogger } from '../observability/logging.js';
import type { MetricsService } from '../observability/metrics.service.js';
import type { TallyRequest } from './request-context.js';

/** Starts observing one request: its metrics sample and log line are taken when the response closes. */
export type ObserveRequest = (req: IncomingMessage, res: ServerResponse, route: () => string) => void;

/** One metrics sample and one log line per HTTP request, when the response is done (streams: at their end). */
export function requestTelemetry(metrics: MetricsService, logger: AppLogger): ObserveRequest {
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
  return (req, res, routeOf) => {
    const started = performance.now();
    res.on('close', () => {
      const route = routeOf();
      const labels = { method: req.method!, route, status: String(res.statusCode) };
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
  };
}

/** The Express form: the route label is the matched route's template, `__unmatched__` when none matched. */
export function requestTelemetryMiddleware(observe: ObserveRequest) {
  return (req: Request, res: Response, next: NextFunction) => {
    observe(req, res, () => (req.route?.path ? `${req.baseUrl}${req.route.path}` : '__unmatched__'));
    next();
  };
}
