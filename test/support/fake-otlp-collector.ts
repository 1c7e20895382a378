import { gunzipSync } from 'node:zlib';
import { type IncomingCall, LoopbackServer } from './loopback-server.js';

/** An OTLP AnyValue in the JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding). */
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}

interface KeyValue {
  key: string;
  value: AnyValue;
}

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: KeyValue[];
  status?: { code?: number; message?: string };
}

interface ExportTraceServiceRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[] }[];
}

export type AttributeValue = string | number | boolean | AttributeValue[];

/** One received span, decoded. */
export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP SpanKind: 1 INTERNAL, 2 SERVER, 3 CLIENT. */
  readonly kind: number;
  readonly attributes: Record<string, AttributeValue>;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  readonly status: number;
  readonly resource: Record<string, AttributeValue>;
  readonly scope: string;
}

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS_ERROR = 2;

function decode(value: AnyValue): AttributeValue {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(decode);
  return '';
}

function attributes(list: KeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, decode(kv.value)]));
}

/**
 * A fake OpenTelemetry collector: a real HTTP server on loopback taking OTLP/HTTP trace exports,
 * `POST /v1/traces` with an `ExportTraceServiceRequest` in the JSON encoding (what
 * @opentelemetry/exporter-trace-otlp-http sends, `Content-Type: application/json`, optionally gzip),
 * answered `200` with an `ExportTraceServiceResponse`. Protobuf bodies get 415: this fake reads JSON only.
 */
export class FakeOtlpCollector extends LoopbackServer {
  readonly spans: ReceivedSpan[] = [];
  /** Export requests received (each a batch of spans). */
  exports = 0;

  protected respond({ req, res, raw }: IncomingCall): void {
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/v1/traces') {
      answer(404, { code: 5, message: 'not found' });
      return;
    }
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      answer(415, { code: 3, message: 'this fake collector reads OTLP/JSON only' });
      return;
    }
    const bytes = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    let request: ExportTraceServiceRequest;
    try {
      request = JSON.parse(bytes.toString('utf8'));
    } catch {
      answer(400, { code: 3, message: 'body is not JSON' });
      return;
    }
    this.exports++;
    for (const resourceSpans of request.resourceSpans ?? []) {
      const resource = attributes(resourceSpans.resource?.attributes);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId ?? '',
            name: span.name,
            kind: span.kind ?? 0,
            attributes: attributes(span.attributes),
            status: span.status?.code ?? 0,
            resource,
            scope: scopeSpans.scope?.name ?? '',
          });
        }
      }
    }
    answer(200, { partialSuccess: {} });
  }
}
