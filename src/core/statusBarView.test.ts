import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistantLine } from '../../test/helpers/logLines';
import { Ledger } from './ledger';
import { LiveTotals } from './liveTotals';
import { PriceTable } from './pricing';
import { createClaudeFileParser } from './sources/claudeCode';
import { compactNumber, money, statusBarView, type StatusBarInput } from './statusBarView';

const NOW = new Date('2026-11-23T12:00:00Z');
const prices = new PriceTable();
const noBudgets = { session: null, daily: null, weekly: null, monthly: null, warnPercent: 70, throttlePercent: 90, stopPercent: 100 };

/** Sonnet 4.5 ($3 in / $15 out per M): `input` prompt tokens and `output` tokens at `timestamp`. */
function line(id: string, input: number, output: number, timestamp = '2026-11-23T11:50:00Z', sessionId = 'sess-aaaa-1111'): string {
  return assistantLine({ id, requestId: `r_${id}`, sessionId, timestamp, usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
}

function liveOf(lines: string[]): LiveTotals {
  const ledger = new Ledger();
  const live = new LiveTotals(ledger, prices, 'UTC');
  const parser = createClaudeFileParser('f.jsonl');
  for (const l of lines) ledger.add('f.jsonl', parser.parseLine(l));
  return live;
}

const input = (live: LiveTotals, over: Partial<StatusBarInput> = {}): StatusBarInput => ({
  live, show: 'session', budgets: noBudgets, contextCriticalPercent: 90, now: NOW, scanning: false, dataWarnings: [], ...over,
});

describe('status bar view', () => {
  it('shows the active session\'s cost and context fill, with no background when nothing is crossed', () => {
    // 124,000 prompt tokens of 200k = 62 %; cost 124000×3/1e6 + 1000×15/1e6 = 0.372 + 0.015
    const v = statusBarView(input(liveOf([line('m1', 124_000, 1000)])));
    assert.equal(v.text, '$(pulse) $0.39 · 62% ctx');
    assert.equal(v.background, 'none');
    assert.equal(v.accessibilityLabel, 'Agent Meter: session cost $0.39, context 62% full');
    assert.match(v.tooltip, /Cost: \*\*\$0\.39\*\* · 1 request\n/);
    assert.match(v.tooltip, /Context: 124k \/ 200k \(62%\)/);
  });

  it('turns to the warning colour at the critical context level', () => {
    const v = statusBarView(input(liveOf([line('m1', 185_000, 10)])));
    assert.equal(v.text, '$(pulse) $0.56 · 93% ctx');
    assert.equal(v.background, 'warning');
    assert.match(v.accessibilityLabel, /context 93% full$/);
  });

  it('colours by the worst budget: warn → warning, stop → error', () => {
    const live = liveOf([line('m1', 10_000, 10_000)]); // $0.03 + $0.15 = $0.18 today
    assert.equal(statusBarView(input(live, { budgets: { ...noBudgets, daily: 1 } })).background, 'none');
    const warn = statusBarView(input(live, { budgets: { ...noBudgets, daily: 0.25 } })); // 72 %
    assert.equal(warn.background, 'warning');
    assert.match(warn.accessibilityLabel, /budget warning/);
    assert.match(warn.tooltip, /Today: \$0\.18 of \$0\.25 \(72%\) — \*\*warn\*\*/);
    const stop = statusBarView(input(live, { budgets: { ...noBudgets, monthly: 0.1 } }));
    assert.equal(stop.background, 'error');
    assert.match(stop.accessibilityLabel, /budget exceeded/);
  });

  it('shows today\'s total when asked, counting only today\'s requests', () => {
    const live = liveOf([line('m1', 10_000, 0), line('m0', 1_000_000, 0, '2026-11-22T23:00:00Z')]);
    assert.equal(statusBarView(input(live, { show: 'today' })).text, '$(pulse) $0.03 today');
  });

  it('spins during the first scan and says so to screen readers', () => {
    const empty = statusBarView(input(liveOf([]), { scanning: true }));
    assert.equal(empty.text, '$(sync~spin) Agent Meter');
    assert.equal(empty.accessibilityLabel, 'Agent Meter: reading agent logs');
    const partial = statusBarView(input(liveOf([line('m1', 10_000, 0)]), { scanning: true }));
    assert.match(partial.text, /^\$\(sync~spin\) \$0\.03/);
  });

  it('escapes markdown in names from logs and lists data warnings', () => {
    const l = line('m1', 10, 10).replace('/home/dev/demo', '/home/dev/[evil](http://x)');
    const v = statusBarView(input(liveOf([l]), { dataWarnings: ['3 log line(s) could not be used'] }));
    assert.ok(!v.tooltip.includes('[evil](http://x)'));
    assert.match(v.tooltip, /⚠ 3 log line\\\(s\\\) could not be used/);
  });

  it('formats money and token counts', () => {
    assert.equal(money(1234.5), '$1,234.50');
    assert.equal(money(0.004), '$0.00');
    assert.equal(compactNumber(999), '999');
    assert.equal(compactNumber(1234), '1.2k');
    assert.equal(compactNumber(124_000), '124k');
    assert.equal(compactNumber(4_500_000), '4.5M');
  });

  it('turns red when the team server says the team is at stop, and names the team in the tooltip', () => {
    const period = { period: 'daily' as const, spentUsd: 101, limitUsd: 100, percent: 101, level: 'stop' as const };
    const team = {
      endpoint: 'http://127.0.0.1:8787', mode: 'agent-meter' as const, sync: 'ok' as const, lastSuccessAt: null, pendingRows: 0, lastError: null, nextAttemptAt: null, asOf: null,
      team: { id: 'platform', level: 'stop' as const, periods: [period] },
      member: { id: 'ada', level: 'ok' as const, periods: [{ ...period, spentUsd: 1, percent: 1, level: 'ok' as const }] },
    };
    const v = statusBarView(input(liveOf([line('m1', 1000, 10)]), { team }));
    assert.equal(v.background, 'error');
    assert.match(v.accessibilityLabel, /budget exceeded/);
    assert.match(v.tooltip, /Team platform: today \$101\.00 of \$100\.00 \(101%\) \*\*stop\*\*/);
    assert.ok(v.tooltip.includes('Team sync (http://127\\.0\\.0\\.1:8787): ok'), 'the endpoint, markdown-escaped');
    assert.equal(statusBarView(input(liveOf([line('m1', 1000, 10)]), { team: { ...team, team: null, member: null } })).background, 'none');
  });
});
