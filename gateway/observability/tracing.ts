/**
 * OpenTelemetry traces, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set: then the SDK is loaded and spans go out
 * over OTLP/HTTP; otherwise nothing is loaded and every helper here returns at its first line. One trace per
 * request (authentication, policy, execution, each agency call, the ledger commit), continuing the caller's
 * `traceparent` and passing it on to agencies. Spans carry names of steps, agencies, operations and the request
 * id (which links a trace to its ledger record): never a person, an identifier or a user.
 */
import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

const TRACER = 'partnership-gateway';
let enabled = false;
let stopSdk: (() => Promise<void>) | null = null;
let flushSdk: (() => Promise<void>) | null = null;

export interface TracingSettings {
  /** The collector's base URL (OTEL_EXPORTER_OTLP_ENDPOINT); traces go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
}

/** Starts the SDK (once per process). Spans are batched; `stopTracing` flushes them. */
export async function startTracing(settings: TracingSettings): Promise<void> {
  if (enabled) return;
  const [{ NodeSDK, tracing }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporter = new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` });
  const processor = new tracing.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000 });
  // Traces only: metrics are Prometheus's (/metrics) and logs pino's, unless the operator asks the SDK for them too.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  // No automatic instrumentations (they would record URLs and SQL, which carry identifiers).
  const sdk = new NodeSDK({ serviceName: settings.serviceName, spanProcessors: [processor], instrumentations: [] });
  sdk.start();
  enabled = true;
  flushSdk = () => processor.forceFlush();
  stopSdk = () => sdk.shutdown();
}

/** Sends what is batched now. A collector that cannot be reached costs its spans, never the gateway's work. */
export async function flushTracing(): Promise<void> {
  await flushSdk?.().catch(() => undefined);
}

export async function stopTracing(): Promise<void> {
  const stop = stopSdk;
  stopSdk = null;
  flushSdk = null;
  enabled = false;
  await stop?.().catch(() => undefined);
}

export function tracingEnabled(): boolean {
  return enabled;
}

const tracer = () => trace.getTracer(TRACER);

/** A request's root span, continuing the caller's traceparent if it sent one; null when tracing is off. */
export function startRequestSpan(name: string, headers: Record<string, string | string[] | undefined>, requestId: string): Span | null {
  if (!enabled) return null;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  return tracer().startSpan(name, { kind: SpanKind.SERVER, attributes: { 'gateway.request_id': requestId } }, parent);
}

/** Runs `work` with `span` as the active span, so that what it starts (agency calls, the ledger commit) nests under it. */
export function withSpan<T>(span: Span | null | undefined, work: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), work) : work();
}

/** A child of the active span, or null when tracing is off or nothing is being traced (background polls). */
export function startChildSpan(name: string, kind: SpanKind = SpanKind.INTERNAL, attributes: Record<string, string> = {}): Span | null {
  if (!enabled) return null;
  const active = context.active();
  if (trace.getSpan(active) === undefined) return null;
  return tracer().startSpan(name, { kind, attributes }, active);
}

/** `work` inside a child span named `name`, ended when it settles; `work` itself when not tracing. */
export async function traced<T>(name: string, work: () => Promise<T>): Promise<T> {
  const span = startChildSpan(name);
  if (span === null) return work();
  try {
    return await withSpan(span, work);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : 'error' });
    throw error;
  } finally {
    span.end();
  }
}

/** The trace context work runs in now, to run later work in (`withTrace`) from wherever it is called. */
export function traceContext(): Context | undefined {
  return enabled ? context.active() : undefined;
}

export function withTrace<T>(saved: Context | undefined, work: () => T): T {
  return saved ? context.with(saved, work) : work();
}

/**
 * Runs `work` in no request's trace: a call made for several requests at once (a shared agency call) must not carry
 * one caller's trace context, which that caller chose, on the others' behalf.
 */
export function outsideRequests<T>(work: () => T): T {
  return enabled ? context.with(ROOT_CONTEXT, work) : work();
}

/** The W3C traceparent for a call made from within `span`, to pass on to an agency. */
export function traceHeaders(span: Span): Record<string, string> {
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(context.active() as Context, span), headers);
  return headers;
}

export { type Span, SpanKind, SpanStatusCode };
