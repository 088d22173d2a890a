import assert from 'node:assert/strict';
import * as os from 'node:os';
import { after, before, describe, it } from 'node:test';
import { startCaptureServer } from '../../test/otlp/captureServer';
import type { CaptureServer } from '../../test/otlp/captureServer';
import { rowsFromOtlp } from '../core/otlpIngest';
import { OTLP } from '../core/teamProtocol';
import type { SyncRow } from '../core/teamProtocol';
import { retryAfterMs } from '../core/teamProtocol';
import { encodeOtlpRows, exportOtlp, otlpMetricsUrl } from './otlpExport';
import type { OtlpExportOptions } from './otlpExport';

const tokens = (input: number, output: number, cacheRead: number, cacheWrite5m: number, cacheWrite1h: number) => ({
  input,
  output,
  cacheRead,
  cacheWrite5m,
  cacheWrite1h,
});

const ROWS: SyncRow[] = [
  {
    day: '2026-03-29',
    agent: 'claude-code',
    model: 'claude-opus-4-5',
    repo: 'agent-meter',
    branch: 'main',
    rev: 1,
    costNanoUsd: 1_234_567_891,
    requests: 12,
    unpricedRequests: 0,
    webSearchRequests: 2,
    tokens: tokens(1200, 3400, 100_000, 5000, 700),
  },
  // Not shared repo and branch, a model without a price, zero tokens of most types.
  {
    day: '2026-03-30',
    agent: 'codex',
    model: 'gpt-5-codex',
    repo: '',
    branch: '',
    rev: 2,
    costNanoUsd: 0,
    requests: 3,
    unpricedRequests: 3,
    webSearchRequests: 0,
    tokens: tokens(900, 0, 0, 0, 0),
  },
  // A row whose totals went back to zero (e.g. a re-priced day): every point must still travel.
  {
    day: '2026-03-30',
    agent: 'claude-code',
    model: 'claude-haiku-4-5',
    repo: 'a1b2c3d4',
    branch: 'feature/x',
    rev: 3,
    costNanoUsd: 0,
    requests: 0,
    unpricedRequests: 0,
    webSearchRequests: 0,
    tokens: tokens(0, 0, 0, 0, 0),
  },
  // Large totals: cost near $1M (the exact range of a double in USD), counts at 2^53 - 1.
  {
    day: '2026-03-31',
    agent: 'claude-code',
    model: 'claude-sonnet-4-5',
    repo: 'agent-meter',
    branch: 'main',
    rev: 4,
    costNanoUsd: 987_654_321_098_765,
    requests: 5_000_000,
    unpricedRequests: 1,
    webSearchRequests: 77,
    tokens: tokens(Number.MAX_SAFE_INTEGER, 123_456_789_012, 1, 2, 3),
  },
];

const IDENTITY = { member: 'ann@example.com', team: 'platform', machine: 'ann-laptop' };
const CLIENT_VERSION = '0.1.0-test';

const byKey = (a: SyncRow, b: SyncRow) =>
  [a.day, a.agent, a.model, a.repo, a.branch].join('|').localeCompare([b.day, b.agent, b.model, b.repo, b.branch].join('|'));
const withoutRev = (rows: SyncRow[]) => [...rows].sort(byKey).map(({ rev: _rev, ...rest }) => rest);

let server: CaptureServer;
before(async () => {
  server = await startCaptureServer();
});
after(async () => {
  await server.close();
});

function options(overrides: Partial<OtlpExportOptions> = {}): OtlpExportOptions {
  return {
    endpoint: server.url,
    headers: { Authorization: 'Bearer test-token' },
    identity: IDENTITY,
    timeZone: 'Europe/Berlin',
    rows: ROWS,
    timeoutMs: 3000,
    clientVersion: CLIENT_VERSION,
    ...overrides,
  };
}

async function exportAndCapture(overrides: Partial<OtlpExportOptions> = {}) {
  server.requests.length = 0;
  server.answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
  const outcome = await exportOtlp(options(overrides));
  assert.equal(server.requests.length, 1, 'one POST per call');
  const request = server.requests[0]!;
  return { outcome, request, json: JSON.parse(request.body.toString('utf8')) as unknown };
}

describe('exportOtlp → rowsFromOtlp round trip', () => {
  it('brings back every field of every row, with a collection-time revision in µs', async () => {
    const startMicros = Date.now() * 1000;
    const { outcome, json } = await exportAndCapture();
    const endMicros = Date.now() * 1000;
    assert.deepEqual(outcome, { ok: true, status: 200 });

    const result = rowsFromOtlp(json);
    assert.equal(result.rejectedDataPoints, 0, result.errorMessage);
    assert.equal(result.batches.length, 1);
    const batch = result.batches[0]!;
    assert.deepEqual({ member: batch.member, team: batch.team, machine: batch.machine, timeZone: batch.timeZone }, { ...IDENTITY, timeZone: 'Europe/Berlin' });
    assert.deepEqual(withoutRev(batch.rows), withoutRev(ROWS));
    for (const row of batch.rows) {
      assert.ok(row.rev >= startMicros && row.rev <= endMicros, `rev ${row.rev} is the collection time in µs`);
    }
  });

  it('keeps the team out when there is none, and survives gzip', async () => {
    const { request, json } = await exportAndCapture({ identity: { member: 'bob', machine: 'ci-7' }, compression: 'gzip' });
    assert.equal(request.headers['content-encoding'], 'gzip');
    const [batch, ...more] = rowsFromOtlp(json).batches;
    assert.equal(more.length, 0);
    assert.equal(batch?.member, 'bob');
    assert.equal('team' in (batch ?? {}), false);
    assert.deepEqual(withoutRev(batch?.rows ?? []), withoutRev(ROWS));
  });

  it('sends nine points per row, zero values included, as cumulative monotonic sums', async () => {
    const { json } = await exportAndCapture({ rows: [ROWS[2]!] });
    const metrics = (json as { resourceMetrics: [{ scopeMetrics: [{ metrics: Array<{ name: string; sum: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: unknown[] } }> }] }] })
      .resourceMetrics[0].scopeMetrics[0].metrics;
    const points = Object.fromEntries(metrics.map((m) => [m.name, m.sum.dataPoints.length]));
    assert.deepEqual(points, { [OTLP.costMetric]: 1, [OTLP.tokenMetric]: 5, [OTLP.requestMetric]: 2, [OTLP.webSearchMetric]: 1 });
    for (const m of metrics) {
      assert.equal(m.sum.aggregationTemporality, 2);
      assert.equal(m.sum.isMonotonic, true);
    }
  });

  it('maps a 2,000-row body back in well under 50 ms', async () => {
    const rows = Array.from({ length: 2000 }, (_, i): SyncRow => ({
      ...ROWS[0]!,
      model: `model-${i % 40}`,
      repo: `repo-${i % 50}`,
      day: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}`,
      branch: `b${Math.floor(i / 1120)}`,
      costNanoUsd: i * 1_000_003,
    }));
    const body = await encodeOtlpRows({ identity: IDENTITY, timeZone: 'UTC', rows, clientVersion: CLIENT_VERSION });
    const json: unknown = JSON.parse(new TextDecoder().decode(body));
    // Warm the JIT first: the server maps many bodies, the first one pays for compilation.
    for (let i = 0; i < 3; i++) rowsFromOtlp(json);
    let best = Infinity;
    let result = rowsFromOtlp(json);
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      result = rowsFromOtlp(json);
      best = Math.min(best, performance.now() - t);
    }
    assert.equal(result.rejectedDataPoints, 0);
    assert.equal(result.batches[0]?.rows.length, 2000);
    assert.deepEqual(withoutRev(result.batches[0]!.rows), withoutRev(rows));
    assert.ok(best < 50, `mapping took ${best.toFixed(1)} ms`);
  });
});

describe('exportOtlp request', () => {
  it('posts JSON to /v1/metrics with the caller\'s headers and nothing from the OTEL_* environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      OTEL_EXPORTER_OTLP_HEADERS: 'x-secret=leak-header',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-secret-2=leak-header',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
      OTEL_RESOURCE_ATTRIBUTES: 'secret.attr=leak-resource',
      OTEL_SERVICE_NAME: 'leak-service',
    });
    try {
      const { request, json } = await exportAndCapture({ headers: { Authorization: 'Bearer s3cret', 'content-type': 'text/plain' } });
      assert.equal(request.method, 'POST');
      assert.equal(request.path, '/v1/metrics');
      assert.equal(request.headers['authorization'], 'Bearer s3cret');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(request.headers['content-encoding'], undefined);
      assert.equal(request.headers['x-secret'], undefined);
      assert.equal(request.headers['x-secret-2'], undefined);
      const text = JSON.stringify(json);
      assert.ok(!text.includes('leak'), 'no OTEL_* value in the body');
      assert.ok(!text.includes('"aggregationTemporality":1'), 'cumulative whatever the environment prefers');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it('finds the metrics path from a base URL, a base path or the full URL', async () => {
    assert.equal(otlpMetricsUrl('https://otel.example.com'), 'https://otel.example.com/v1/metrics');
    assert.equal(otlpMetricsUrl('https://otel.example.com/'), 'https://otel.example.com/v1/metrics');
    assert.equal(otlpMetricsUrl('https://example.com/otlp/'), 'https://example.com/otlp/v1/metrics');
    assert.equal(otlpMetricsUrl('https://example.com/otlp/v1/metrics'), 'https://example.com/otlp/v1/metrics');
    assert.equal((await exportAndCapture({ endpoint: `${server.url}/otlp/` })).request.path, '/otlp/v1/metrics');
    assert.equal((await exportAndCapture({ endpoint: `${server.url}/v1/metrics` })).request.path, '/v1/metrics');
  });

  it('starts each cumulative series at its local day, never after the point', async () => {
    const day = (d: string): SyncRow => ({ ...ROWS[0]!, day: d });
    const starts = async (timeZone: string, d: string) => {
      const body = await encodeOtlpRows({ identity: IDENTITY, timeZone, rows: [day(d)], clientVersion: CLIENT_VERSION });
      const json = JSON.parse(new TextDecoder().decode(body)) as {
        resourceMetrics: [{ scopeMetrics: [{ metrics: Array<{ sum: { dataPoints: Array<{ startTimeUnixNano: string; timeUnixNano: string }> } }> }] }];
      };
      const points = json.resourceMetrics[0].scopeMetrics[0].metrics.flatMap((m) => m.sum.dataPoints);
      assert.equal(new Set(points.map((p) => p.startTimeUnixNano)).size, 1);
      for (const p of points) assert.ok(BigInt(p.startTimeUnixNano) <= BigInt(p.timeUnixNano));
      return new Date(Number(BigInt(points[0]!.startTimeUnixNano) / 1_000_000n)).toISOString();
    };
    assert.equal(await starts('Europe/Berlin', '2026-03-29'), '2026-03-28T23:00:00.000Z'); // CET; DST begins at 02:00
    assert.equal(await starts('Europe/Berlin', '2026-10-25'), '2026-10-24T22:00:00.000Z'); // CEST; DST ends at 03:00
    assert.equal(await starts('America/Los_Angeles', '2026-01-15'), '2026-01-15T08:00:00.000Z');
    assert.equal(await starts('UTC', '2026-01-15'), '2026-01-15T00:00:00.000Z');
    const future = await starts('UTC', '2099-01-01');
    assert.ok(Date.parse(future) <= Date.now(), 'a day ahead of the clock starts at the collection time');
  });

  it('sends nothing but identifiers, row keys and numbers', async () => {
    const { json } = await exportAndCapture();
    const strings: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(json);
    const allowed = new Set<string>([
      ...Object.values(IDENTITY),
      CLIENT_VERSION,
      'Europe/Berlin',
      ...ROWS.flatMap((r) => [r.day, r.agent, r.model, r.repo, r.branch]),
      ...Object.values(OTLP),
      'service.name',
      'service.version',
      ...['input', 'output', 'cacheRead', 'cacheCreation', '5m', '1h', 'true', 'false'],
      ...['USD', 'tokens', '{request}'],
      // The metric descriptions, fixed text.
      ...['Cost at list prices', 'Tokens by type', 'Requests; priced=false: model without a known price', 'Web search requests'],
    ]);
    const unexpected = strings.filter((s) => !allowed.has(s) && !/^\d+$/.test(s));
    assert.deepEqual(unexpected, []);
    for (const leak of [os.userInfo().username, process.version, 'nodejs', 'telemetry.sdk', os.hostname()].filter((s) => s !== IDENTITY.machine)) {
      assert.ok(!strings.some((s) => s.includes(leak)), `${leak} must not be sent`);
    }
  });
});

describe('exportOtlp outcome', () => {
  const answerWith = async (status: number, headers: Record<string, string> = {}, body = '') => {
    server.answer = () => ({ status, headers, body });
    const started = Date.now();
    const outcome = await exportOtlp(options());
    return { outcome, ms: Date.now() - started };
  };

  it('maps the spec\'s statuses, once each, without retrying on its own', async () => {
    server.requests.length = 0;
    assert.deepEqual((await answerWith(200, {}, '{"partialSuccess":{}}')).outcome, { ok: true, status: 200 });
    assert.deepEqual((await answerWith(400, { 'content-type': 'application/json' }, '{"code":3,"message":"bad points"}')).outcome, {
      ok: false,
      retryable: false,
      status: 400,
      message: 'HTTP 400: bad points',
    });
    const unauthorised = (await answerWith(401)).outcome;
    assert.deepEqual([unauthorised.ok, !unauthorised.ok && unauthorised.retryable, unauthorised.ok ? 0 : unauthorised.status], [false, false, 401]);
    for (const status of [403, 413]) {
      const outcome = (await answerWith(status)).outcome;
      assert.equal(!outcome.ok && !outcome.retryable && outcome.status === status, true, `HTTP ${status} is final`);
    }
    const throttled = await answerWith(429, { 'Retry-After': '3' });
    assert.deepEqual(throttled.outcome, { ok: false, retryable: true, status: 429, retryAfterMs: 3000, message: 'HTTP 429' });
    assert.ok(throttled.ms < 1000, 'no wait for Retry-After inside the call');
    const unavailable = (await answerWith(503, {}, 'down for maintenance')).outcome;
    assert.deepEqual(unavailable, { ok: false, retryable: true, status: 503, message: 'HTTP 503: down for maintenance' });
    for (const status of [502, 504]) {
      assert.deepEqual((await answerWith(status)).outcome, { ok: false, retryable: true, status, message: `HTTP ${status}` });
    }
    assert.equal(server.requests.length, 9, 'exactly one POST per call, whatever the answer');
  });

  it('reports a partial success with rejected points as final, so the rows stay in the outbox', async () => {
    const outcome = (await answerWith(200, {}, '{"partialSuccess":{"rejectedDataPoints":"4","errorMessage":"4 points without period.day"}}')).outcome;
    assert.deepEqual(outcome, { ok: false, retryable: false, status: 200, message: 'the endpoint rejected 4 data points: 4 points without period.day' });
    assert.deepEqual((await answerWith(200, {}, '{"partialSuccess":{"rejectedDataPoints":"0","errorMessage":"a warning"}}')).outcome, { ok: true, status: 200 });
    assert.deepEqual((await answerWith(202, {}, 'not json')).outcome, { ok: true, status: 202 });
  });

  it('gives up on a server that never answers after timeoutMs, as retryable', async () => {
    server.answer = () => 'hang';
    const started = Date.now();
    const outcome = await exportOtlp(options({ timeoutMs: 300 }));
    const ms = Date.now() - started;
    assert.deepEqual(outcome, { ok: false, retryable: true, message: 'no answer within 300 ms' });
    assert.ok(ms >= 250 && ms < 2000, `settled after ${ms} ms`);
  });

  it('treats a refused connection as retryable and bad options as final, without a request', async () => {
    const closed = await startCaptureServer();
    await closed.close();
    const refused = await exportOtlp(options({ endpoint: closed.url }));
    assert.equal(refused.ok === false && refused.retryable && refused.message.startsWith('ECONNREFUSED'), true, JSON.stringify(refused));

    server.requests.length = 0;
    const finalMessage = async (o: Partial<OtlpExportOptions>) => {
      const outcome = await exportOtlp(options(o));
      assert.equal(outcome.ok === false && outcome.retryable === false, true, JSON.stringify(outcome));
      return outcome.ok ? '' : outcome.message;
    };
    assert.match(await finalMessage({ endpoint: 'not a url' }), /not a URL/);
    assert.match(await finalMessage({ endpoint: 'ftp://127.0.0.1/' }), /http or https/);
    assert.match(await finalMessage({ timeZone: 'Mars/Olympus_Mons' }), /cannot encode/);
    assert.match(await finalMessage({ identity: { member: '', machine: 'm' } }), /identity\.member/);
    assert.match(await finalMessage({ rows: [ROWS[0]!, { ...ROWS[0]!, rev: 99 }] }), /twice/);
    assert.match(await finalMessage({ rows: [{ ...ROWS[0]!, costNanoUsd: -1 }] }), /row 0 is invalid/);
    assert.match(await finalMessage({ rows: [{ ...ROWS[0]!, unpricedRequests: 13 }] }), /more unpriced/);
    assert.match(await finalMessage({ headers: { Authorization: 'Bearer a\nb' } }), /cannot send/);
    assert.equal(server.requests.length, 0);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-23T12:00:00Z');
    assert.equal(retryAfterMs('120', now), 120_000);
    assert.equal(retryAfterMs('Mon, 23 Nov 2026 12:00:30 GMT', now), 30_000);
    assert.equal(retryAfterMs('Mon, 23 Nov 2026 11:00:00 GMT', now), 0);
    assert.equal(retryAfterMs('soon', now), undefined);
    assert.equal(retryAfterMs(undefined, now), undefined);
  });
});
