import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';

export interface TracingSettings {
  /** Where spans are sent (OTLP over HTTP/JSON), e.g. http://collector:4318/v1/traces. */
  tracesUrl: string;
  serviceName: string;
}

export interface Tracing {
  /** Sends what is buffered and unregisters the provider. */
  shutdown(): Promise<void>;
}

const tracerName = 'cloud-companion';

/**
 * Turns tracing on for this process: spans of a request across adapter, agent, tools and stores,
 * batched to an OTLP collector. Without it every span below is the API's no-op and costs nothing.
 * `exporter` replaces the OTLP one (tests).
 */
export async function startTracing(settings: TracingSettings, version: string, exporter?: SpanExporter): Promise<Tracing> {
  // The SDK and exporter load only when tracing is on; the API above is all the rest of the code needs.
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { BatchSpanProcessor, NodeTracerProvider }, { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'), import('@opentelemetry/resources'), import('@opentelemetry/sdk-trace-node'), import('@opentelemetry/semantic-conventions'),
  ]);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: version }),
    spanProcessors: [new BatchSpanProcessor(exporter ?? new OTLPTraceExporter({ url: settings.tracesUrl }))],
  });
  // Registers the async-local-storage context manager too, so awaited work nests under its caller's span.
  provider.register();
  return {
    async shutdown() {
      await provider.shutdown();
      trace.disable();
    },
  };
}

/**
 * Runs `work` inside a span that is the active one for everything it awaits, and records a failure
 * as the span's error. Attribute values must never carry secrets or message text.
 */
export async function inSpan<T>(name: string, attributes: Attributes, work: (span: Span) => Promise<T>): Promise<T> {
  return trace.getTracer(tracerName).startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}
