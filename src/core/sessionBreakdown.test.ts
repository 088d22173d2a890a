import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistantLine } from '../../test/helpers/logLines';
import { Ledger } from './ledger';
import { costOf, costParts, PriceTable } from './pricing';
import { buildReport } from './report';
import { reportCsv } from './reportJson';
import { sessionBreakdown } from './sessionBreakdown';
import { createClaudeFileParser } from './sources/claudeCode';

const prices = new PriceTable();
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} ≠ ${b}`);

function ledgerOf(lines: string[]): Ledger {
  const ledger = new Ledger();
  const parser = createClaudeFileParser('f.jsonl');
  for (const l of lines) ledger.add('f.jsonl', parser.parseLine(l));
  return ledger;
}

const usage = { input_tokens: 1000, output_tokens: 2000, cache_read_input_tokens: 10_000, cache_creation_input_tokens: 3000, cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 } };

describe('session breakdown', () => {
  it('splits a session by model, token type and agent, summing to its cost', () => {
    const ledger = ledgerOf([
      assistantLine({ id: 'm1', sessionId: 's', usage }),
      assistantLine({ id: 'm2', sessionId: 's', usage, model: 'claude-haiku-4-5-20251001', sidechain: 'agent-7' }),
      assistantLine({ id: 'm3', sessionId: 'other', usage }),
    ]);
    const b = sessionBreakdown(ledger, prices, 's')!;
    assert.equal(b.requests, 2);
    // sonnet 4.5: 1000×3 + 2000×15 + 10000×0.3 + 1000×3.75 + 2000×6 = 51,750 µ$; haiku 4.5 is a third of that
    close(b.byModel.find((m) => m.model === 'claude-sonnet-4-5-20250929')!.costUsd, 0.05175);
    close(b.byModel.find((m) => m.model === 'claude-haiku-4-5-20251001')!.costUsd, 0.01725);
    close(b.costUsd, 0.069);
    close(b.byTokenType.reduce((s, t) => s + t.costUsd, 0), b.costUsd);
    close(b.byTokenType.find((t) => t.type === 'cacheWrite1h')!.costUsd, (2000 * 6 + 2000 * 2) / 1e6);
    assert.deepEqual(b.byAgent.map((a) => [a.agentId, a.requests]), [[null, 1], ['agent-7', 1]]);
    assert.equal(sessionBreakdown(ledger, prices, 'nope'), undefined);
  });

  it('prices each part with the whole request\'s tier (long context) and fast multiplier', () => {
    const row = prices.resolve('claude-sonnet-4-5', '2026-11-23')!.row;
    const big = { input: 250_000, output: 1000, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
    const parts = costParts(big, 0, row);
    close(parts.input + parts.output, costOf(big, 0, row));
    close(parts.input, 250_000 * 6 / 1e6); // over 200k: the long-context input rate
  });
});

describe('report CSV', () => {
  it('writes a header and one row per session, quoting and defusing fields', () => {
    const ledger = ledgerOf([
      assistantLine({ id: 'm1', sessionId: 's1', usage, extra: { cwd: '/home/dev/a,b "q"' } }),
      assistantLine({ id: 'm2', sessionId: 's2', usage, extra: { gitBranch: '=HYPERLINK("x")' } }),
    ]);
    const csv = reportCsv(buildReport(ledger, prices, {}, new Date('2026-11-23T12:00:00Z')));
    const rows = csv.split('\r\n');
    assert.equal(rows.length, 4); // header, 2 sessions, final empty
    assert.equal(rows[0], 'agent,sessionId,project,branch,firstAt,lastAt,models,requests,inputTokens,outputTokens,cacheReadTokens,cacheWrite5mTokens,cacheWrite1hTokens,costUsd,estimatedExtraUsd,unpricedRequests,apiErrors,compactions');
    assert.ok(csv.includes('"/home/dev/a,b ""q"""'));
    assert.ok(csv.includes(`"'=HYPERLINK(""x"")"`));
    assert.ok(csv.includes(',0.05175,0,0,0,0'));
  });
});
