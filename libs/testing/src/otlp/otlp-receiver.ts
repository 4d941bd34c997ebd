import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as a collector received it, with the service that sent it. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number };
type KeyValue = { key: string; value: AnyValue };
interface ExportRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
      }[];
    }[];
  }[];
}

/**
 * An OTLP/HTTP trace collector in the test's process: it takes what the processes' exporters
 * post to /v1/traces (JSON, the exporter's encoding: OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and
 * keeps the spans, so a test can follow one trace across the API, the scheduler and an agent.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  /** requests it could not read (another encoding): a test expects none */
  readonly refused: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new OtlpReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const ok =
          req.method === 'POST' &&
          req.url === '/v1/traces' &&
          receiver.take(req.headers['content-type'], Buffer.concat(chunks));
        res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json' }).end('{}');
      });
    });
    return receiver;
  }

  /** The spans of one trace. */
  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    // the exporters keep their connections alive: closed here, or the server waits for them
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private take(contentType: string | undefined, body: Buffer): boolean {
    if (!contentType?.startsWith('application/json')) {
      this.refused.push(contentType ?? 'no content-type');
      return false;
    }
    const request = JSON.parse(body.toString()) as ExportRequest;
    for (const rs of request.resourceSpans ?? []) {
      const service = String(valueOf(rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value));
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? [])
          this.spans.push({
            service,
            traceId: s.traceId,
            spanId: s.spanId,
            ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
            name: s.name,
            kind: s.kind,
            attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
          });
    }
    return true;
  }
}

function valueOf(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  return v.stringValue ?? v.boolValue ?? v.doubleValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined);
}
