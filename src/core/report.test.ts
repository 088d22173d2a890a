import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assistantLine } from '../../test/helpers/logLines';
import { Ledger } from './ledger';
import { PriceTable } from './pricing';
import { localDate } from './calendar';
import { buildReport } from './report';
import { createClaudeFileParser } from './sources/claudeCode';

const NOW = new Date('2026-11-23T12:00:00Z');
const prices = new PriceTable();

function ledgerOf(files: Record<string, string[]>): Ledger {
  const ledger = new Ledger();
  for (const [session, lines] of Object.entries(files)) {
    const parser = createClaudeFileParser(session);
    for (const l of lines) ledger.add(session, parser.parseLine(l));
  }
  return ledger;
}

const usage = (input: number, output: number, extra: Record<string, unknown> = {}) => ({
  input_tokens: input,
  output_tokens: output,
  cache_read_input_tokens: 0,
  cache_creation_input_tokens: 0,
  ...extra,
});

describe('ledger and report', () => {
  it('counts a response logged as several block lines, and again in a fork file, exactly once', () => {
    const a = assistantLine({ id: 'msg_A', requestId: 'req_A', usage: usage(1000, 100) });
    const ledger = ledgerOf({
      s1: [a, a, assistantLine({ id: 'msg_B', requestId: 'req_B', usage: usage(2000, 200) }), a],
      fork: [a.replace('"sessionId":"s-1"', '"sessionId":"fork"'), assistantLine({ id: 'msg_C', sessionId: 'fork', usage: usage(10, 1) })],
    });
    const r = buildReport(ledger, prices, {}, NOW);
    assert.equal(r.totals.requests, 3);
    assert.equal(r.totals.tokens.input, 3010);
    assert.equal(r.totals.tokens.output, 301);
    assert.ok(Math.abs(r.totals.costUsd - (3010 * 3 + 301 * 15) / 1e6) < 1e-12);
  });

  it('keeps the largest copy of a response (stream snapshot vs final usage)', () => {
    const snapshot = assistantLine({ id: 'msg_S', usage: usage(500, 1) });
    const final = assistantLine({ id: 'msg_S', usage: usage(500, 334) });
    for (const order of [[snapshot, final], [final, snapshot]]) {
      const r = buildReport(ledgerOf({ s1: order }), prices, {}, NOW);
      assert.equal(r.totals.tokens.output, 334);
      assert.equal(r.totals.requests, 1);
    }
  });

  it('attributes subagent requests to the parent session and lists them per agent', () => {
    const ledger = ledgerOf({
      s1: [assistantLine({ id: 'm1', usage: usage(100, 10) })],
      sub: [assistantLine({ id: 'm2', sidechain: 'agent7', model: 'claude-haiku-4-5-20251001', usage: usage(50, 5) })],
    });
    const r = buildReport(ledger, prices, {}, NOW);
    assert.equal(r.sessions.length, 1);
    const s = r.sessions[0]!;
    assert.equal(s.requests, 2);
    assert.deepEqual(s.models, ['claude-sonnet-4-5-20250929', 'claude-haiku-4-5-20251001']);
    assert.equal(s.subagents.length, 1);
    assert.equal(s.subagents[0]!.agentId, 'agent7');
    assert.ok(Math.abs(s.subagents[0]!.costUsd - (50 * 1 + 5 * 5) / 1e6) < 1e-12);
    // Context fill comes from the main thread, not the subagent.
    assert.equal(s.contextTokens, 100);
    assert.equal(s.currentModel, 'claude-sonnet-4-5-20250929');
  });

  it('buckets days in the requested time zone and filters with since/until', () => {
    const ledger = ledgerOf({
      s1: [
        assistantLine({ id: 'late', timestamp: '2026-11-22T23:30:00.000Z', usage: usage(1, 1) }),
        assistantLine({ id: 'early', timestamp: '2026-11-23T08:00:00.000Z', usage: usage(1, 1) }),
      ],
    });
    assert.deepEqual(buildReport(ledger, prices, { timeZone: 'UTC' }, NOW).days.map((d) => d.date), ['2026-11-22', '2026-11-23']);
    assert.deepEqual(buildReport(ledger, prices, { timeZone: 'Europe/Berlin' }, NOW).days.map((d) => [d.date, d.requests]), [['2026-11-23', 2]]);
    assert.deepEqual(buildReport(ledger, prices, { timeZone: 'America/Los_Angeles' }, NOW).days.map((d) => d.date), ['2026-11-22', '2026-11-23']);
    const since = buildReport(ledger, prices, { timeZone: 'UTC', since: '2026-11-23' }, NOW);
    assert.equal(since.totals.requests, 1);
    const until = buildReport(ledger, prices, { timeZone: 'UTC', until: '2026-11-22' }, NOW);
    assert.equal(until.totals.requests, 1);
    assert.equal(localDate('2026-11-23T08:00:00.000Z', 'Asia/Tokyo'), '2026-11-23');
  });

  it('lists unknown models as unpriced instead of pricing them at $0 silently', () => {
    const ledger = ledgerOf({ s1: [assistantLine({ id: 'x', model: 'claude-sonnet-5-5', usage: usage(1000, 1000) })] });
    const r = buildReport(ledger, prices, {}, NOW);
    assert.deepEqual(r.diagnostics.unpricedModels, ['claude-sonnet-5-5']);
    assert.equal(r.sessions[0]!.unpricedRequests, 1);
    assert.equal(r.models[0]!.pricedAs, null);
    assert.equal(r.totals.requests, 1);
  });

  it('adds a compaction estimate apart from costUsd and resets the context fill', () => {
    const compact = JSON.stringify({
      type: 'system',
      subtype: 'compact_boundary',
      sessionId: 's-1',
      uuid: 'cb',
      timestamp: '2026-11-23T10:00:00.000Z',
      compactMetadata: { trigger: 'manual', preTokens: 100_000, postTokens: 4000 },
    });
    const before = assistantLine({ id: 'm1', timestamp: '2026-11-23T09:00:00.000Z', usage: usage(100_000, 10) });
    const r = buildReport(ledgerOf({ s1: [before, compact, compact] }), prices, {}, NOW);
    const s = r.sessions[0]!;
    assert.equal(s.contextTokens, 4000);
    assert.equal(s.compactions, 1);
    assert.ok(Math.abs(r.totals.costUsd - (100_000 * 3 + 10 * 15) / 1e6) < 1e-12);
    assert.ok(Math.abs(r.totals.estimatedExtraUsd - (100_000 * 3 + 4000 * 15) / 1e6) < 1e-12);
    assert.equal(r.estimates.length, 1);
    // A request after the compaction sets the fill again.
    const after = assistantLine({ id: 'm2', timestamp: '2026-11-23T11:00:00.000Z', usage: usage(9000, 10) });
    assert.equal(buildReport(ledgerOf({ s1: [before, compact, after] }), prices, {}, NOW).sessions[0]!.contextTokens, 9000);
  });

  it('takes the fill from the latest compaction in time, however the lines were ordered', () => {
    const compaction = (uuid: string, timestamp: string, post: number) =>
      JSON.stringify({ type: 'system', subtype: 'compact_boundary', sessionId: 's-1', uuid, timestamp, compactMetadata: { trigger: 'auto', preTokens: 150_000, postTokens: post } });
    const request = assistantLine({ id: 'm1', timestamp: '2026-11-23T09:00:00.000Z', usage: usage(150_000, 10) });
    const lines = [request, compaction('late', '2026-11-23T11:00:00.000Z', 7000), compaction('early', '2026-11-23T10:00:00.000Z', 3000)];
    const r = buildReport(ledgerOf({ s1: lines }), prices, {}, NOW);
    assert.equal(r.sessions[0]!.contextTokens, 7000);
    assert.equal(r.sessions[0]!.compactions, 2);
  });

  it('widens the context window to 1M when the prompt already exceeds 200k', () => {
    const r = buildReport(ledgerOf({ s1: [assistantLine({ id: 'big', usage: usage(150_000, 1, { cache_read_input_tokens: 90_000 }) })] }), prices, {}, NOW);
    assert.equal(r.sessions[0]!.contextTokens, 240_000);
    assert.equal(r.sessions[0]!.contextWindow, 1_000_000);
  });

  it('counts rejected lines by reason', () => {
    const ledger = ledgerOf({ s1: ['{"type":"assistant",', assistantLine({ usage: { input_tokens: -1, output_tokens: 0 } })] });
    const r = buildReport(ledger, prices, {}, NOW);
    assert.equal(r.diagnostics.rejectedLines, 2);
    assert.deepEqual(r.diagnostics.rejected, { 'invalid-json': 1, schema: 1 });
  });
});
