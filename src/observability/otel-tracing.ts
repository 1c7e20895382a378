import { Logger } from '@nestjs/common';
import {
  type Attributes,
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  type SpanAttributes,
  setTraceInjector,
  type TraceCarrier,
  type TraceSpan,
  type Tracing,
  type TracingConfig,
} from './tracing.js';

/** Loaded only by `startTracing` (dynamic import) when OTEL_EXPORTER_OTLP_ENDPOINT is set. */

function clean(attributes: SpanAttributes | undefined): Attributes | undefined {
  if (!attributes) return undefined;
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined && value !== null) out[key] = value as string;
  return out;
}

class OtelSpan implements TraceSpan {
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    /** The context with this span in it: the explicit parent of its children. */
    private readonly ctx: Context,
  ) {}

  setAttributes(attributes: SpanAttributes): void {
    this.span.setAttributes(clean(attributes)!);
  }

  fail(errorType: string, message?: string): void {
    this.span.setAttribute('error.type', errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }

  child(name: string, kind: 'client' | 'internal', attributes?: SpanAttributes): TraceSpan {
    return start(this.tracer, name, kind, this.ctx, attributes);
  }

  run<T>(fn: () => T): T {
    return context.with(this.ctx, fn);
  }
}

function start(tracer: Tracer, name: string, kind: 'client' | 'internal', parent: Context, attributes?: SpanAttributes) {
  const span = tracer.startSpan(
    name,
    { kind: kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes: clean(attributes) },
    parent,
  );
  return new OtelSpan(tracer, span, trace.setSpan(parent, span));
}

/**
 * The OpenTelemetry Node SDK exporting over OTLP/HTTP (JSON) to `config.tracesUrl`; no
 * auto-instrumentation, no OpenTelemetry metrics or logs (those are prom-client and pino). The SDK
 * registers OpenTelemetry's process-wide tracer provider, context manager and propagator (W3C trace
 * context and baggage unless OTEL_PROPAGATORS says otherwise); `shutdown` flushes and unregisters them,
 * so another app in the same process can start tracing after this one stopped.
 */
export function startOtelTracing(config: TracingConfig): Tracing {
  const logger = new Logger('Tracing');
  const sdk = new NodeSDK({
    serviceName: config.serviceName,
    traceExporter: new OTLPTraceExporter({ url: config.tracesUrl }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  const tracer = trace.getTracer('tally');
  setTraceInjector((headers) => propagation.inject(context.active(), headers));
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    startSpan(name: string, kind: 'client' | 'internal', carrier: TraceCarrier | undefined, attributes: SpanAttributes) {
      const parent = carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
      return start(tracer, name, kind, parent, attributes);
    },
    shutdown() {
      stopped ??= sdk
        .shutdown()
        .catch((error: unknown) => logger.warn(`spans could not be exported at shutdown: ${(error as Error)?.message ?? error}`))
        .finally(() => {
          setTraceInjector(undefined);
          trace.disable();
          context.disable();
          propagation.disable();
        });
      return stopped;
    },
  };
}
