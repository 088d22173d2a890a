import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DataQuality, PeriodLine, TurnPoint } from '../core/panelProtocol';
import {
  barPercent,
  budgetText,
  burnText,
  contextChartSummary,
  contextFillText,
  costChartSummary,
  dataQualityParts,
  formatClock,
  formatCount,
  formatPercent,
  formatTokens,
  formatUsd,
  formatUsdTick,
  requestsText,
  tokenColumns,
} from './format';

test('formatUsd: two decimals, thousands separators, <$0.01 for a sliver, $0.00 only for zero', () => {
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(0.004), '<$0.01');
  assert.equal(formatUsd(0.0049), '<$0.01');
  assert.equal(formatUsd(0.005), '$0.01');
  assert.equal(formatUsd(0.06), '$0.06');
  assert.equal(formatUsd(12.345), '$12.35');
  assert.equal(formatUsd(1234.56), '$1,234.56');
  assert.equal(formatUsd(1234567.891), '$1,234,567.89');
  assert.equal(formatUsd(-2.5), '-$2.50');
  assert.equal(formatUsd(Number.NaN), '—');
  assert.equal(formatUsd(Number.POSITIVE_INFINITY), '—');
});

test('formatUsdTick: more decimals only when the step needs them', () => {
  assert.equal(formatUsdTick(0.5, 0.25), '$0.50');
  assert.equal(formatUsdTick(1000, 500), '$1,000.00');
  assert.equal(formatUsdTick(0.002, 0.001), '$0.002');
  assert.equal(formatUsdTick(0.0025, 0.0005), '$0.0025');
});

test('formatTokens: compact k / M / B, trailing .0 dropped, rounding never shows 1000k', () => {
  assert.equal(formatTokens(0), '0');
  assert.equal(formatTokens(999), '999');
  assert.equal(formatTokens(1000), '1k');
  assert.equal(formatTokens(1234), '1.2k');
  assert.equal(formatTokens(12_345), '12.3k');
  assert.equal(formatTokens(123_456), '123k');
  assert.equal(formatTokens(200_000), '200k');
  assert.equal(formatTokens(999_960), '1M');
  assert.equal(formatTokens(4_500_000), '4.5M');
  assert.equal(formatTokens(2_000_000_000), '2B');
  assert.equal(formatTokens(-12_345), '-12.3k');
});

test('formatCount and requestsText use separators and the right plural', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(requestsText(1), '1 request');
  assert.equal(requestsText(0), '0 requests');
  assert.equal(requestsText(1234), '1,234 requests');
});

test('formatPercent: whole from 10, one decimal below, a sliver is <0.1%', () => {
  assert.equal(formatPercent(71.04), '71%');
  assert.equal(formatPercent(134.6), '135%');
  assert.equal(formatPercent(7.14), '7.1%');
  assert.equal(formatPercent(7), '7%');
  assert.equal(formatPercent(9.96), '10%');
  assert.equal(formatPercent(0.01), '<0.1%');
  assert.equal(formatPercent(0), '0%');
});

test('barPercent clamps to the track', () => {
  assert.equal(barPercent(null), 0);
  assert.equal(barPercent(-5), 0);
  assert.equal(barPercent(42.5), 42.5);
  assert.equal(barPercent(180), 100);
});

function period(over: Partial<PeriodLine>): PeriodLine {
  return { id: 'today', label: 'Today', from: '2025-06-02', to: '2025-06-02', costUsd: 7.1, requests: 12, budgetUsd: 10, percent: 71, level: 'warn', forecastUsd: null, projectedToExceed: false, ...over };
}

test('budgetText says spend, budget, percent and level in words', () => {
  assert.equal(budgetText(period({})), '$7.10 of $10.00 (71%) — warn');
  assert.equal(budgetText(period({ costUsd: 12.5, percent: 125, level: 'stop' })), '$12.50 of $10.00 (125%) — stop');
  assert.equal(budgetText(period({ budgetUsd: null, percent: null, level: 'none' })), 'No budget set');
  // A host that leaves percent out still gets one computed from the figures.
  assert.equal(budgetText(period({ costUsd: 2, budgetUsd: 8, percent: null, level: 'ok' })), '$2.00 of $8.00 (25%) — ok');
});

test('burnText is the one-line burn and forecast', () => {
  assert.equal(
    burnText({ usdPerHour: 1.2, windowMinutes: 30, endOfDayUsd: 4.561, endOfMonthUsd: 1278.9 }),
    '$1.20/h over the last 30 min · forecast end of day $4.56 · end of month $1,278.90',
  );
});

test('formatClock shows the instant in the snapshot time zone, UTC for an unknown zone', () => {
  assert.equal(formatClock('2025-06-02T12:03:04Z', 'Europe/Berlin'), '14:03:04');
  assert.equal(formatClock('2025-06-02T12:03:04Z', 'America/New_York'), '08:03:04');
  assert.equal(formatClock('2025-06-02T12:03:04Z', 'Not/AZone'), '12:03:04');
  assert.equal(formatClock('yesterday', 'UTC'), 'yesterday');
});

test('tokenColumns sums both cache-write durations', () => {
  assert.deepEqual(tokenColumns({ input: 1, output: 2, cacheRead: 3, cacheWrite5m: 4, cacheWrite1h: 5 }), {
    input: 1,
    output: 2,
    cacheRead: 3,
    cacheWrite: 9,
  });
});

test('contextFillText with and without a known window', () => {
  assert.equal(contextFillText(124_300, 200_000), '62% of 200k (124k tokens)');
  assert.equal(contextFillText(50_000, 0), '50k tokens');
});

function quality(over: Partial<DataQuality>): DataQuality {
  return { files: 12, lines: 3456, rejectedLines: 0, rejected: {}, unreadable: [], unpricedModels: [], warnings: [], ...over };
}

test('dataQualityParts: clean data has no flags', () => {
  const parts = dataQualityParts(quality({}));
  assert.deepEqual(parts.map((p) => p.text), ['12 files', '3,456 lines', '0 rejected', '0 unreadable', 'all models priced']);
  assert.ok(parts.every((p) => !p.flagged));
});

test('dataQualityParts: rejected reasons most frequent first, unpriced and unreadable flagged', () => {
  const parts = dataQualityParts(quality({
    files: 1,
    lines: 1,
    rejectedLines: 4,
    rejected: { 'not-json': 1, schema: 3, 'line-too-long': 0 },
    unreadable: [{ path: '/x.jsonl', error: 'EACCES' }],
    unpricedModels: ['model-a', 'model-b'],
  }));
  assert.deepEqual(parts, [
    { text: '1 file', flagged: false },
    { text: '1 line', flagged: false },
    { text: '4 rejected (schema: 3, not-json: 1)', flagged: true },
    { text: '1 unreadable', flagged: true },
    { text: 'unpriced: model-a, model-b', flagged: true },
  ]);
});

function turn(i: number, cumulativeUsd: number, contextTokens: number): TurnPoint {
  return { at: `2025-06-02T10:${String(i).padStart(2, '0')}:00Z`, cumulativeUsd, costUsd: 0.01, contextTokens, model: 'claude-sonnet-4-5' };
}

test('chart summaries give the range of the data', () => {
  const turns = [turn(0, 0.01, 20_000), turn(1, 0.4, 150_000), turn(2, 0.84, 60_000)];
  assert.equal(costChartSummary(turns), 'Cost over 3 requests, from $0.01 to $0.84');
  assert.equal(costChartSummary([]), 'Cost over time: no requests yet');
  assert.equal(
    contextChartSummary({ turns, contextWindow: 200_000, compactions: [{ at: '2025-06-02T10:01:30Z', postTokens: 30_000 }] }),
    'Context per turn over 3 turns, latest 60k tokens (30% of 200k), peak 150k, 1 compaction',
  );
  assert.equal(contextChartSummary({ turns: turns.slice(0, 1), contextWindow: 0, compactions: [] }), 'Context per turn over 1 turn, latest 20k tokens, peak 20k');
});
