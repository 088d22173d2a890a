// OTLP mode of team sync (DESIGN §7; notes/pricing-and-team-sync.md §3.3, §5b): a batch of cumulative SyncRows
// sent as one OTLP/HTTP JSON `ExportMetricsServiceRequest`, so an organisation can point Agent Meter at its own
// OpenTelemetry Collector (or at our team server, which maps the points back with core/otlpIngest.ts).
//
// The data model and the encoding are the OpenTelemetry SDK's: a MeterProvider per call with four observable
// counters read once by a pull reader (CUMULATIVE), serialised by `JsonMetricsSerializer` (the serializer the stock
// OTLPMetricExporter uses). The one POST is ours, because the stock exporter does not fit a metering client:
//  - it merges OTEL_EXPORTER_OTLP_HEADERS / _METRICS_HEADERS from the environment into the request, so a token meant
//    for the user's own collector (often set for Claude Code) would be sent to the team endpoint;
//  - for 429/502/503/504 it drops the status and Retry-After (its error is a bare "Export failed with retryable
//    status") and retries on its own up to five times inside the timeout, which hides a throttling server;
//  - OTEL_EXPORTER_OTLP_COMPRESSION, _TIMEOUT and certificate variables would change the request behind our back.
// The outbox owns retries: one call is one POST, bounded by `timeoutMs`, mapped to a SendOutcome.
//
// Every row becomes nine points, zero or not (cost; input, output, cacheRead, cacheCreation 5m and 1h tokens; priced
// and unpriced requests; web searches), so the server can rebuild each field of the row and a total can go back
// to zero. `startTimeUnixNano` is the start of the row's local day: a cumulative series keyed by `period.day` then
// keeps one start time across exports, and backends that turn cumulative into rates see no false resets.
import * as http from 'node:http';
import * as https from 'node:https';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ValueType } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { hrTimeToMilliseconds, millisToHrTime } from '@opentelemetry/core';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import * as z from 'zod';
import { identifierSchema, OTLP, syncRowSchema } from '../core/teamProtocol';
import { retryAfterMs, type SendOutcome, type SyncRow } from '../core/teamProtocol';

export interface OtlpExportOptions {
  /** Base URL; the POST goes to `${endpoint}/v1/metrics` unless it already ends with /v1/metrics. */
  endpoint: string;
  /** e.g. `Authorization: Bearer …`; nothing from the OTEL_* environment is added. */
  headers: Record<string, string>;
  identity: { member: string; team?: string; machine: string };
  /** IANA zone the rows' days are in. */
  timeZone: string;
  rows: SyncRow[];
  /** Whole request, connect to last byte of the answer (default 10 s). */
  timeoutMs?: number;
  clientVersion: string;
  /**
   * `gzip` sends `Content-Encoding: gzip` (OTLP/HTTP allows it; the Collector accepts it). OTLP JSON repeats every
   * attribute on every point, ~4.3 KB a row; gzip makes that ~50 times smaller. Default: none.
   */
  compression?: 'gzip' | 'none';
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** The answer is only read for `partialSuccess`; a larger one is cut off, not an error. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Points per row of the token metric, the widest of the four (input, output, cacheRead, 2 × cacheCreation). */
const TOKEN_POINTS_PER_ROW = 5;

/** `POST` target for an endpoint given as a base URL or as the full metrics URL. */
export function otlpMetricsUrl(endpoint: string): string {
  const base = endpoint.trim().replace(/\/+$/, '');
  return base.endsWith('/v1/metrics') ? base : `${base}/v1/metrics`;
}

/** Reads the SDK's instruments once, on demand: nothing periodic, nothing exported behind our back. */
class OneShotReader extends MetricReader {
  constructor(cardinalityLimit: number) {
    super({
      aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE,
      // Past its limit (2,000 attribute sets per metric by default) the SDK folds points into one
      // `otel.metric.overflow` point, which would silently merge rows: allow every point of the batch.
      cardinalitySelector: () => cardinalityLimit,
    });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** Datapoint attributes shared by a row's nine points. */
function rowAttributes(row: SyncRow, timeZone: string): Attributes {
  return {
    [OTLP.model]: row.model,
    [OTLP.agent]: row.agent,
    [OTLP.repo]: row.repo,
    [OTLP.branch]: row.branch,
    [OTLP.day]: row.day,
    [OTLP.timeZone]: timeZone,
  };
}

/**
 * The OTLP/HTTP JSON body for `rows`, built and serialised by the OpenTelemetry SDK (shape in the module header).
 * Throws on a time zone the runtime does not know or an SDK collection error; `exportOtlp` turns that into an outcome.
 */
export async function encodeOtlpRows(options: Pick<OtlpExportOptions, 'identity' | 'timeZone' | 'rows' | 'clientVersion'>): Promise<Uint8Array> {
  const { identity, timeZone, rows } = options;
  const reader = new OneShotReader(rows.length * TOKEN_POINTS_PER_ROW + 2);
  const provider = new MeterProvider({
    // Only these attributes: no SDK defaults (telemetry.sdk.*, unknown_service:node) and no detectors (process,
    // host, OTEL_RESOURCE_ATTRIBUTES), so nothing but identifiers leaves the machine.
    resource: resourceFromAttributes({
      'service.name': OTLP.serviceName,
      'service.version': options.clientVersion,
      [OTLP.member]: identity.member,
      ...(identity.team === undefined ? {} : { [OTLP.team]: identity.team }),
      [OTLP.machine]: identity.machine,
    }),
    readers: [reader],
  });
  try {
    const meter = provider.getMeter(OTLP.serviceName, options.clientVersion);
    const base = rows.map((row) => rowAttributes(row, timeZone));
    meter
      .createObservableCounter(OTLP.costMetric, { unit: 'USD', description: 'Cost at list prices', valueType: ValueType.DOUBLE })
      .addCallback((result) => rows.forEach((row, i) => result.observe(row.costNanoUsd / 1e9, base[i])));
    meter
      .createObservableCounter(OTLP.tokenMetric, { unit: 'tokens', description: 'Tokens by type', valueType: ValueType.INT })
      .addCallback((result) =>
        rows.forEach((row, i) => {
          const attributes = base[i];
          result.observe(row.tokens.input, { ...attributes, [OTLP.tokenType]: 'input' });
          result.observe(row.tokens.output, { ...attributes, [OTLP.tokenType]: 'output' });
          result.observe(row.tokens.cacheRead, { ...attributes, [OTLP.tokenType]: 'cacheRead' });
          // Claude Code's single `cacheCreation` type, split by TTL in an attribute of its own: a sum over `type`
          // still counts every token once, and a dashboard built for Claude Code's stream still matches.
          result.observe(row.tokens.cacheWrite5m, { ...attributes, [OTLP.tokenType]: 'cacheCreation', [OTLP.cacheTtl]: '5m' });
          result.observe(row.tokens.cacheWrite1h, { ...attributes, [OTLP.tokenType]: 'cacheCreation', [OTLP.cacheTtl]: '1h' });
        }),
      );
    meter
      .createObservableCounter(OTLP.requestMetric, { unit: '{request}', description: 'Requests; priced=false: model without a known price', valueType: ValueType.INT })
      .addCallback((result) =>
        rows.forEach((row, i) => {
          result.observe(row.requests - row.unpricedRequests, { ...base[i], [OTLP.priced]: 'true' });
          result.observe(row.unpricedRequests, { ...base[i], [OTLP.priced]: 'false' });
        }),
      );
    meter
      .createObservableCounter(OTLP.webSearchMetric, { unit: '{request}', description: 'Web search requests', valueType: ValueType.INT })
      .addCallback((result) => rows.forEach((row, i) => result.observe(row.webSearchRequests, base[i])));

    const { resourceMetrics, errors } = await reader.collect();
    if (errors.length > 0) throw new Error(`metric collection failed: ${String(errors[0])}`);
    const body = JsonMetricsSerializer.serializeRequest(withDayStart(resourceMetrics, timeZone));
    if (body === undefined) throw new Error('the OTLP serializer produced no body');
    return body;
  } finally {
    await provider.shutdown();
  }
}

/**
 * The SDK starts every cumulative series of a fresh provider at the collection time; a backend would read each
 * export as a counter reset. Start each point at its local day instead (never after the point itself).
 */
function withDayStart(resourceMetrics: ResourceMetrics, timeZone: string): ResourceMetrics {
  const dayStartMs = dayStartMemo(timeZone);
  const restart = (metric: MetricData): MetricData => {
    if (metric.dataPointType !== DataPointType.SUM) return metric;
    return {
      ...metric,
      dataPoints: metric.dataPoints.map((point) => {
        const day = point.attributes[OTLP.day];
        if (typeof day !== 'string') return point;
        const startMs = Math.min(dayStartMs(day), hrTimeToMilliseconds(point.endTime));
        return { ...point, startTime: millisToHrTime(startMs) };
      }),
    };
  };
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({ scope: scope.scope, metrics: scope.metrics.map(restart) })),
  };
}

/** First instant (epoch ms) of a YYYY-MM-DD day in a zone, memoised per day; throws RangeError on an unknown zone. */
function dayStartMemo(timeZone: string): (day: string) => number {
  const wallClock = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  // Zone offset at an instant: its wall-clock reading taken as UTC, minus the instant (to the second).
  const offsetAt = (ms: number): number => {
    const part: Record<string, number> = {};
    for (const p of wallClock.formatToParts(new Date(ms))) part[p.type] = Number(p.value);
    const wall = Date.UTC(part['year'] ?? 1970, (part['month'] ?? 1) - 1, part['day'] ?? 1, part['hour'] ?? 0, part['minute'] ?? 0, part['second'] ?? 0);
    return wall - Math.floor(ms / 1000) * 1000;
  };
  const memo = new Map<string, number>();
  return (day) => {
    let start = memo.get(day);
    if (start === undefined) {
      const [y, m, d] = day.split('-').map(Number) as [number, number, number];
      const midnightAsUtc = Date.UTC(y, m - 1, d);
      // Twice: the offset at local midnight can differ from the one at UTC midnight (a DST change in between).
      start = midnightAsUtc - offsetAt(midnightAsUtc - offsetAt(midnightAsUtc));
      memo.set(day, start);
    }
    return start;
  };
}

// ---- one POST ----

/** Statuses the OTLP spec says to retry; every other non-2xx is final (e.g. 400, 401, 403, 413). */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Socket errors that a later attempt can get past (offline laptop, server restarting). */
const RETRYABLE_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
]);

/** The parts of an OTLP answer we read: `ExportMetricsServiceResponse` on 2xx, `google.rpc.Status` otherwise. */
const answerSchema = z.object({
  partialSuccess: z
    .object({
      rejectedDataPoints: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).optional(),
      errorMessage: z.string().optional(),
    })
    .optional(),
  message: z.string().optional(),
});

const final = (message: string, status?: number): SendOutcome => ({ ok: false, retryable: false, ...(status === undefined ? {} : { status }), message });

/** Short, printable text from outside for a message. */
const clip = (text: string): string => text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);

function parseAnswer(body: Buffer): z.infer<typeof answerSchema> | undefined {
  try {
    const parsed = answerSchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function outcomeOfAnswer(status: number, retryAfter: string | undefined, body: Buffer): SendOutcome {
  const answer = parseAnswer(body);
  if (status >= 200 && status < 300) {
    const rejected = Number(answer?.partialSuccess?.rejectedDataPoints ?? 0);
    // Partial success must not be retried (OTLP spec) and the rows were not all stored: final, so the outbox
    // keeps them and says why instead of counting them as delivered.
    if (rejected > 0) return final(`the endpoint rejected ${rejected} data points: ${clip(answer?.partialSuccess?.errorMessage ?? '')}`, status);
    return { ok: true, status };
  }
  const detail = clip(answer?.message ?? body.toString('utf8'));
  const message = `HTTP ${status}${detail === '' ? '' : `: ${detail}`}`;
  if (!RETRYABLE_STATUS.has(status)) return final(message, status);
  const delay = retryAfterMs(retryAfter, Date.now());
  return { ok: false, retryable: true, status, ...(delay === undefined ? {} : { retryAfterMs: delay }), message };
}

function outcomeOfError(error: Error & { code?: string }): SendOutcome {
  const message = `${error.code ?? 'error'}: ${clip(error.message)}`;
  return error.code !== undefined && RETRYABLE_NETWORK.has(error.code) ? { ok: false, retryable: true, message } : final(message);
}

const gzipAsync = promisify(gzip);

/** One POST, never retried here, settled within `timeoutMs` whatever the server does. */
function postOnce(url: URL, headers: Record<string, string>, body: Uint8Array, gzipped: boolean, timeoutMs: number): Promise<SendOutcome> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const settle = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    // Ours win over the caller's for the framing headers (any case).
    const own = new Set(['content-type', 'content-length', 'transfer-encoding', 'content-encoding']);
    const requestHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) if (!own.has(name.toLowerCase())) requestHeaders[name] = value;
    Object.assign(requestHeaders, { 'Content-Type': 'application/json', 'Content-Length': String(body.byteLength) });
    if (gzipped) requestHeaders['Content-Encoding'] = 'gzip';
    let request: http.ClientRequest;
    try {
      // agent: false: a connection of its own, closed after the answer, so nothing lingers after the call.
      request = (url.protocol === 'https:' ? https : http).request(url, { method: 'POST', headers: requestHeaders, agent: false }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size >= MAX_ANSWER_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
        });
        response.on('end', () => settle(outcomeOfAnswer(response.statusCode ?? 0, response.headers['retry-after'], Buffer.concat(chunks))));
        response.on('error', (error) => settle(outcomeOfError(error)));
      });
    } catch (error) {
      // Invalid header names or values throw synchronously: a configuration error, not a network one.
      settle(final(`cannot send: ${clip(error instanceof Error ? error.message : String(error))}`));
      return;
    }
    timer = setTimeout(() => {
      settle({ ok: false, retryable: true, message: `no answer within ${timeoutMs} ms` });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error) => settle(outcomeOfError(error)));
    request.end(body);
  });
}

const timeZoneSchema = z.string().min(1).max(64);

/** Why these options cannot make a request (a retry would not help), or undefined. */
function invalidInput(options: OtlpExportOptions): string | undefined {
  const { identity } = options;
  for (const [name, value] of [['member', identity.member], ['machine', identity.machine], ['team', identity.team]] as const) {
    if (value !== undefined && !identifierSchema.safeParse(value).success) return `identity.${name} is not a valid identifier`;
  }
  if (!timeZoneSchema.safeParse(options.timeZone).success) return 'timeZone is not a time zone name';
  const keys = new Set<string>();
  for (const [i, row] of options.rows.entries()) {
    const parsed = syncRowSchema.safeParse(row);
    if (!parsed.success) return `row ${i} is invalid: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`;
    if (row.unpricedRequests > row.requests) return `row ${i} has more unpriced requests than requests`;
    // The SDK keeps one point per attribute set: a second row for a key would silently replace the first.
    const key = JSON.stringify([row.day, row.agent, row.model, row.repo, row.branch]);
    if (keys.has(key)) return `rows hold the key ${key} twice`;
    keys.add(key);
  }
  return undefined;
}

/**
 * Sends `rows` as one OTLP/HTTP JSON export. Never throws: invalid options, a server's answer, a network error or
 * the timeout all come back as a SendOutcome (retryable for 429/502/503/504, socket errors and the timeout).
 */
export async function exportOtlp(options: OtlpExportOptions): Promise<SendOutcome> {
  let url: URL;
  try {
    url = new URL(otlpMetricsUrl(options.endpoint));
  } catch {
    return final(`endpoint is not a URL: ${clip(options.endpoint)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return final(`endpoint must be http or https, not ${url.protocol}`);
  const invalid = invalidInput(options);
  if (invalid !== undefined) return final(invalid);
  const gzipped = options.compression === 'gzip';
  let body: Uint8Array;
  try {
    body = await encodeOtlpRows(options);
    if (gzipped) body = await gzipAsync(body);
  } catch (error) {
    return final(`cannot encode the rows: ${clip(error instanceof Error ? error.message : String(error))}`);
  }
  return postOnce(url, options.headers, body, gzipped, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}
