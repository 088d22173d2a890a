import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rowsFromOtlp } from './otlpIngest';
import type { OtlpIngestResult } from './otlpIngest';
import { MAX_ROWS_PER_BATCH, OTLP } from './teamProtocol';
import type { SyncRow } from './teamProtocol';

// Bodies built by hand in the spec's JSON form (int64 as decimal strings, enums as integers), so these tests do not
// lean on our own exporter's habits (it writes asInt as plain numbers).

type Scalar = string | number | boolean;
const kv = (key: string, value: Scalar) => ({
  key,
  value: typeof value === 'string' ? { stringValue: value } : typeof value === 'boolean' ? { boolValue: value } : { intValue: String(value) },
});
const attrs = (o: Record<string, Scalar>) => Object.entries(o).map(([k, v]) => kv(k, v));

const T1 = '1795000000123456789'; // ns
const T1_MICROS = 1795000000123456;
const T2 = '1795000060000000000';
const T2_MICROS = 1795000060000000;

interface Point {
  attributes: Record<string, Scalar>;
  value: { asInt: string } | { asDouble: number };
  time?: string;
}
interface Metric {
  name: string;
  points: Point[];
  temporality?: unknown;
}

function body(resource: Record<string, Scalar>, metrics: Metric[]) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: attrs(resource), droppedAttributesCount: 0 },
        scopeMetrics: [
          {
            scope: { name: 'agent-meter', version: '1' },
            metrics: metrics.map((m) => ({
              name: m.name,
              unit: '1',
              sum: {
                aggregationTemporality: m.temporality ?? 2,
                isMonotonic: true,
                dataPoints: m.points.map((p) => ({ attributes: attrs(p.attributes), startTimeUnixNano: '1', timeUnixNano: p.time ?? T1, ...p.value })),
              },
            })),
          },
        ],
      },
    ],
  };
}

const RESOURCE = { 'service.name': 'agent-meter', [OTLP.member]: 'ann@example.com', [OTLP.team]: 'platform', [OTLP.machine]: 'ann-laptop' };
const KEY = { [OTLP.model]: 'claude-opus-4-5', [OTLP.agent]: 'claude-code', [OTLP.day]: '2026-03-29', [OTLP.timeZone]: 'Europe/Berlin', [OTLP.repo]: 'agent-meter', [OTLP.branch]: 'main' };
const int = (n: number | string) => ({ asInt: String(n) });

/** The nine metrics of one row, as our exporter sends them. */
function rowMetrics(key: Record<string, Scalar> = KEY, time = T1, scale = 1): Metric[] {
  const p = (extra: Record<string, Scalar>, value: Point['value']): Point => ({ attributes: { ...key, ...extra }, value, time });
  return [
    { name: OTLP.costMetric, points: [p({}, { asDouble: 1.234567891 * scale })] },
    {
      name: OTLP.tokenMetric,
      points: [
        p({ type: 'input' }, int(100 * scale)),
        p({ type: 'output' }, int(200 * scale)),
        p({ type: 'cacheRead' }, int(300 * scale)),
        p({ type: 'cacheCreation', 'cache.ttl': '5m' }, int(40 * scale)),
        p({ type: 'cacheCreation', 'cache.ttl': '1h' }, int(50 * scale)),
      ],
    },
    { name: OTLP.requestMetric, points: [p({ priced: 'true' }, int(7 * scale)), p({ priced: 'false' }, int(2 * scale))] },
    { name: OTLP.webSearchMetric, points: [p({}, int(3 * scale))] },
  ];
}

const EXPECTED_ROW: SyncRow = {
  day: '2026-03-29',
  agent: 'claude-code',
  model: 'claude-opus-4-5',
  repo: 'agent-meter',
  branch: 'main',
  rev: T1_MICROS,
  costNanoUsd: 1_234_567_891,
  requests: 9,
  unpricedRequests: 2,
  webSearchRequests: 3,
  tokens: { input: 100, output: 200, cacheRead: 300, cacheWrite5m: 40, cacheWrite1h: 50 },
};

/** A deep copy with one change at a path into the first resource's metrics. */
function mutate(b: ReturnType<typeof body>, change: (metrics: Array<Record<string, unknown>>) => void) {
  const copy = structuredClone(b);
  change(copy.resourceMetrics[0]!.scopeMetrics[0]!.metrics as unknown as Array<Record<string, unknown>>);
  return copy;
}
const pointsOf = (metric: Record<string, unknown> | undefined) => (metric?.['sum'] as { dataPoints: Array<Record<string, unknown>> }).dataPoints;

function rejected(result: OtlpIngestResult, points: number, reason: RegExp) {
  assert.equal(result.rejectedDataPoints, points, result.errorMessage);
  assert.match(result.errorMessage ?? '', reason);
}

describe('rowsFromOtlp', () => {
  it('rebuilds a row from its nine spec-encoded points', () => {
    const result = rowsFromOtlp(body(RESOURCE, rowMetrics()));
    assert.deepEqual(result, {
      batches: [{ member: 'ann@example.com', team: 'platform', machine: 'ann-laptop', timeZone: 'Europe/Berlin', rows: [EXPECTED_ROW] }],
      rejectedDataPoints: 0,
    });
  });

  it('takes a missing repo and branch as not shared, boolValue for priced, intValue attributes ignored', () => {
    const { [OTLP.repo]: _r, [OTLP.branch]: _b, ...key } = KEY;
    const metrics = rowMetrics({ ...key, 'query_source': 'main', 'some.count': 3 });
    const b = mutate(body(RESOURCE, metrics), (ms) => {
      const requests = pointsOf(ms[2]);
      requests[0]!['attributes'] = [...(requests[0]!['attributes'] as unknown[]).filter((a) => (a as { key: string }).key !== 'priced'), kv('priced', true)];
    });
    const result = rowsFromOtlp(b);
    assert.equal(result.rejectedDataPoints, 0, result.errorMessage);
    assert.deepEqual(result.batches[0]?.rows, [{ ...EXPECTED_ROW, repo: '', branch: '' }]);
  });

  it('keeps the later point of a series sent twice (two exports batched together), without counting it', () => {
    const result = rowsFromOtlp(body(RESOURCE, [...rowMetrics(KEY, T1), ...rowMetrics(KEY, T2, 2)]));
    assert.equal(result.rejectedDataPoints, 0);
    const row = result.batches[0]?.rows[0];
    assert.equal(row?.rev, T2_MICROS);
    assert.equal(row?.costNanoUsd, 2_469_135_782);
    assert.equal(row?.requests, 18);
    // And the same when the later export comes first.
    assert.equal(rowsFromOtlp(body(RESOURCE, [...rowMetrics(KEY, T2, 2), ...rowMetrics(KEY, T1)])).batches[0]?.rows[0]?.requests, 18);
  });

  it('groups rows by resource identity and time zone, and splits batches at MAX_ROWS_PER_BATCH', () => {
    const two = {
      resourceMetrics: [
        body(RESOURCE, [...rowMetrics(), ...rowMetrics({ ...KEY, [OTLP.timeZone]: 'UTC' })]).resourceMetrics[0],
        body({ ...RESOURCE, [OTLP.machine]: 'ann-desktop' }, rowMetrics()).resourceMetrics[0],
      ],
    };
    const result = rowsFromOtlp(two);
    assert.deepEqual(
      result.batches.map((b) => [b.machine, b.timeZone, b.rows.length]),
      [
        ['ann-laptop', 'Europe/Berlin', 1],
        ['ann-laptop', 'UTC', 1],
        ['ann-desktop', 'Europe/Berlin', 1],
      ],
    );
    const many = Array.from({ length: MAX_ROWS_PER_BATCH + 1 }, (_, i) => rowMetrics({ ...KEY, [OTLP.model]: `m${i}` })).flat();
    assert.deepEqual(rowsFromOtlp(body(RESOURCE, many)).batches.map((b) => b.rows.length), [MAX_ROWS_PER_BATCH, 1]);
  });

  it('answers a body that is no metrics request with an error and nothing else', () => {
    for (const bad of [null, undefined, 42, 'resourceMetrics', [], { resourceMetrics: 'x' }, { resourceMetrics: [1] }, { resourceMetrics: [{ scopeMetrics: {} }] }]) {
      const result = rowsFromOtlp(bad);
      assert.deepEqual([result.batches, result.rejectedDataPoints], [[], 0], JSON.stringify(bad));
      assert.match(result.errorMessage ?? '', /not an OTLP ExportMetricsServiceRequest/);
    }
    assert.deepEqual(rowsFromOtlp({}), { batches: [], rejectedDataPoints: 0 });
    assert.deepEqual(rowsFromOtlp({ resourceMetrics: [], unknownField: { x: 1 } }), { batches: [], rejectedDataPoints: 0 });
  });

  it('rejects every point of a resource without member or machine', () => {
    const { [OTLP.member]: _m, ...noMember } = RESOURCE;
    rejected(rowsFromOtlp(body(noMember, rowMetrics())), 9, /9 without a valid user\.email/);
    const { [OTLP.machine]: _h, ...noMachine } = RESOURCE;
    rejected(rowsFromOtlp(body(noMachine, rowMetrics())), 9, /host\.name/);
    rejected(rowsFromOtlp(body({ ...RESOURCE, [OTLP.member]: 'a\u0007b' }, rowMetrics())), 9, /user\.email/);
    rejected(rowsFromOtlp(body({ ...RESOURCE, [OTLP.team]: 5 }, rowMetrics())), 9, /team\.id/);
  });

  it('rejects a non-cumulative metric, and the rest of its row with it', () => {
    const metrics = rowMetrics();
    metrics[1]!.temporality = 1;
    const result = rowsFromOtlp(body(RESOURCE, metrics));
    rejected(result, 9, /5 of ai_agent\.token\.usage without CUMULATIVE temporality; 4 of a row without all nine/);
    assert.deepEqual(result.batches, []);
    // The enum's name, as protojson writes it, is accepted.
    metrics[1]!.temporality = 'AGGREGATION_TEMPORALITY_CUMULATIVE';
    assert.equal(rowsFromOtlp(body(RESOURCE, metrics)).rejectedDataPoints, 0);
    // A gauge is not a sum.
    const gauge = mutate(body(RESOURCE, rowMetrics()), (ms) => {
      ms[3]!['gauge'] = ms[3]!['sum'];
      delete ms[3]!['sum'];
    });
    rejected(rowsFromOtlp(gauge), 9, /1 of ai_agent\.web_search\.count not sent as a Sum/);
  });

  it('rejects points with missing attributes or an unknown agent', () => {
    const cases: Array<[string, (p: Record<string, unknown>) => void, RegExp]> = [
      ['no day', (p) => (p['attributes'] = (p['attributes'] as Array<{ key: string }>).filter((a) => a.key !== OTLP.day)), /without period\.day/],
      ['bad day', (p) => (p['attributes'] = [...(p['attributes'] as unknown[]), kv(OTLP.day, '29.03.2026')]), /without period\.day/],
      ['no zone', (p) => (p['attributes'] = (p['attributes'] as Array<{ key: string }>).filter((a) => a.key !== OTLP.timeZone)), /without period\.time_zone/],
      ['no model', (p) => (p['attributes'] = (p['attributes'] as Array<{ key: string }>).filter((a) => a.key !== OTLP.model)), /without a valid model/],
      ['unknown agent', (p) => (p['attributes'] = [...(p['attributes'] as unknown[]), kv(OTLP.agent, 'gemini-cli')]), /unknown agent/],
      ['numeric model', (p) => (p['attributes'] = [...(p['attributes'] as unknown[]), kv(OTLP.model, 7)]), /without a valid model/],
      ['attributes not a list', (p) => (p['attributes'] = { model: 'x' }), /without period\.day/],
    ];
    for (const [name, change, reason] of cases) {
      const result = rowsFromOtlp(mutate(body(RESOURCE, rowMetrics()), (ms) => change(pointsOf(ms[0])[0]!)));
      // The bad point, and the eight others of its row that cannot make a row without it.
      rejected(result, 9, reason);
      assert.deepEqual(result.batches, [], name);
    }
  });

  it('rejects garbage values: negative, fractional, non-numeric, missing; bad times and token types', () => {
    const cases: Array<[string, number, (p: Record<string, unknown>) => void, RegExp]> = [
      ['negative int', 1, (p) => (p['asInt'] = '-5'), /negative, fractional or missing/],
      ['fractional count', 1, (p) => (p['asDouble'] = 1.5, delete p['asInt']), /negative, fractional or missing/],
      ['text', 1, (p) => (p['asInt'] = 'lots'), /negative, fractional or missing/],
      ['missing value', 1, (p) => delete p['asInt'], /negative, fractional or missing/],
      ['huge int', 1, (p) => (p['asInt'] = '99999999999999999999'), /negative, fractional or missing/],
      ['bad time', 1, (p) => (p['timeUnixNano'] = 'yesterday'), /timeUnixNano/],
      ['zero time', 1, (p) => (p['timeUnixNano'] = '0'), /timeUnixNano/],
      ['unknown type', 1, (p) => (p['attributes'] = [...(p['attributes'] as unknown[]), kv('type', 'reasoning')]), /token type/],
      ['not an object', 1, (_p) => undefined, /not objects/],
    ];
    for (const [name, , change, reason] of cases) {
      const b = mutate(body(RESOURCE, rowMetrics()), (ms) => {
        const points = pointsOf(ms[1]);
        if (name === 'not an object') points[0] = null as unknown as Record<string, unknown>;
        else change(points[0]!);
      });
      rejected(rowsFromOtlp(b), 9, reason);
    }
    const negativeCost = mutate(body(RESOURCE, rowMetrics()), (ms) => (pointsOf(ms[0])[0]!['asDouble'] = -0.01));
    rejected(rowsFromOtlp(negativeCost), 9, /negative/);
    const ttl = mutate(body(RESOURCE, rowMetrics()), (ms) => {
      const p = pointsOf(ms[1])[3]!;
      p['attributes'] = (p['attributes'] as Array<{ key: string }>).filter((a) => a.key !== OTLP.cacheTtl);
    });
    rejected(rowsFromOtlp(ttl), 9, /cacheCreation without cache\.ttl/);
    const priced = mutate(body(RESOURCE, rowMetrics()), (ms) => (pointsOf(ms[2])[0]!['attributes'] = attrs({ ...KEY, priced: 'maybe' })));
    rejected(rowsFromOtlp(priced), 9, /priced true\|false/);
  });

  it("stores none of Claude Code's own metrics and says so, next to a good row", () => {
    const claude = (name: string, temporality: number, n: number): Metric => ({
      name,
      temporality,
      points: Array.from({ length: n }, (_, i) => ({ attributes: { model: 'claude-opus-4-5', 'session.id': `s${i}`, 'user.id': 'u' }, value: { asDouble: 0.5 } })),
    });
    const result = rowsFromOtlp(
      body(RESOURCE, [claude('claude_code.cost.usage', 1, 3), ...rowMetrics(), claude('claude_code.token.usage', 1, 4), claude('claude_code.session.count', 1, 1)]),
    );
    assert.deepEqual(result.batches[0]?.rows, [EXPECTED_ROW]);
    rejected(result, 8, /8 of metrics Agent Meter does not store.*not stored: claude_code\.cost\.usage, claude_code\.token\.usage, claude_code\.session\.count/);
    // A Claude Code resource (service.name claude-code, no host.name) on its own: all rejected, nothing stored.
    const own = rowsFromOtlp(body({ 'service.name': 'claude-code', 'user.email': 'ann@example.com' }, [claude('claude_code.cost.usage', 1, 2)]));
    assert.deepEqual([own.batches, own.rejectedDataPoints], [[], 2]);
  });

  it('never throws, whatever it is given', () => {
    // Seeded pseudo-random mutations of a good body: drop, retype or replace any node.
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const junk = [null, 0, -1, 1.5, '', 'x', '-3', true, [], {}, [null], { stringValue: 5 }, { intValue: 'x' }, '99999999999999999999999'];
    const base = body(RESOURCE, [...rowMetrics(), ...rowMetrics({ ...KEY, [OTLP.agent]: 'codex' })]);
    const nodes = (v: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]>) => {
      if (Array.isArray(v)) v.forEach((c, i) => (out.push([v, i]), nodes(c, out)));
      else if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) (out.push([v as Record<string, unknown>, k]), nodes(c, out));
      return out;
    };
    for (let round = 0; round < 300; round++) {
      const copy = structuredClone(base);
      const all = nodes(copy, []);
      for (let m = 0; m < 1 + Math.floor(random() * 4); m++) {
        const [parent, key] = all[Math.floor(random() * all.length)]!;
        const replacement = junk[Math.floor(random() * junk.length)];
        if (random() < 0.3 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
        else (parent as Record<string | number, unknown>)[key] = replacement;
      }
      const result = rowsFromOtlp(copy);
      assert.ok(Number.isSafeInteger(result.rejectedDataPoints) && result.rejectedDataPoints >= 0);
      const stored = result.batches.reduce((n, b) => n + b.rows.length, 0);
      assert.ok(stored <= 2, 'never more rows than were sent');
    }
  });
});
