/**
 * Tracing as the request path sees it: a small interface whose default is a no-op, so with
 * OTEL_EXPORTER_OTLP_ENDPOINT unset nothing of OpenTelemetry is loaded and a span costs a call on a
 * constant. `startTracing` loads the SDK (`./otel-tracing.js`, @opentelemetry/sdk-node) with a
 * dynamic import only when tracing is configured.
 */

export type SpanAttributeValue = string | number | boolean | readonly string[];
export type SpanAttributes = Readonly<Record<string, SpanAttributeValue | null | undefined>>;

/** Headers of an incoming request (a W3C `traceparent` / `tracestate` carrier). */
export type TraceCarrier = Readonly<Record<string, string | string[] | undefined>>;

/** One of our spans. Children are parented explicitly (no context is carried across Observables). */
export interface TraceSpan {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed: `error.type` and status ERROR. */
  fail(errorType: string, message?: string): void;
  end(): void;
  /** A child span, started now. `client`: a call to another process (an upstream over HTTP). */
  child(name: string, kind: 'client' | 'internal', attributes?: SpanAttributes): TraceSpan;
  /** Runs `fn` with this span active, so an upstream request it sends carries this span's `traceparent`. */
  run<T>(fn: () => T): T;
}

export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP JSON), e.g. `http://collector:4318/v1/traces`. */
  readonly tracesUrl: string;
  readonly serviceName: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** A completion's root span in this process: a child of the caller's span when `carrier` has a `traceparent`. */
  startSpan(name: string, kind: 'client' | 'internal', carrier: TraceCarrier | undefined, attributes: SpanAttributes): TraceSpan;
  /** Flushes the spans not yet exported and stops the SDK. */
  shutdown(): Promise<void>;
}

export const NOOP_SPAN: TraceSpan = Object.freeze({
  setAttributes: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  child: () => NOOP_SPAN,
  run: <T>(fn: () => T) => fn(),
});

export const NO_TRACING: Tracing = Object.freeze({
  enabled: false,
  startSpan: () => NOOP_SPAN,
  shutdown: async () => undefined,
});

/** The Nest token of the app's Tracing. */
export const TRACING = Symbol('TRACING');

type Injector = (headers: Record<string, string | number>) => void;
const noInjection: Injector = () => undefined;
let injector: Injector = noInjection;

/**
 * Adds the active span's `traceparent` (and `tracestate`) to an outgoing request's headers; does
 * nothing unless tracing is on and a span is active (`TraceSpan.run`). Process-wide, as OpenTelemetry's
 * context and propagator are.
 */
export function injectTraceContext(headers: Record<string, string | number>): void {
  injector(headers);
}

/** For the SDK side only: installs (or, with no argument, removes) the injector. */
export function setTraceInjector(next: Injector | undefined): void {
  injector = next ?? noInjection;
}

/** The app's tracing: the no-op unless configured, else the OpenTelemetry SDK, loaded now. */
export async function startTracing(config: TracingConfig | undefined): Promise<Tracing> {
  if (!config) return NO_TRACING;
  const { startOtelTracing } = await import('./otel-tracing.js');
  return startOtelTracing(config);
}
