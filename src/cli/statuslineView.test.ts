import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusInputSchema } from './statusline';
import { contextFill, readStatusInput, renderStatusLine } from './statuslineView';
import type { StatusSummary } from '../node/statusFile';

const SAMPLE = {
  session_id: 's1',
  transcript_path: '/x/s1.jsonl',
  model: { id: 'claude-sonnet-4-5', display_name: 'Sonnet 4.5' },
  context_window: { context_window_size: 200000, used_percentage: 41, current_usage: { input_tokens: 10, cache_creation_input_tokens: 20, cache_read_input_tokens: 30 } },
  cost: { total_cost_usd: 1.2 },
};
const ODD: unknown[] = [undefined, null, 1, 'x', true, [], {}, Number.NaN];

/** Every (object, key) pair of a JSON value. */
function slots(v: unknown, out: [Record<string, unknown>, string][] = []): [Record<string, unknown>, string][] {
  if (v && typeof v === 'object' && !Array.isArray(v)) for (const k of Object.keys(v)) {
    out.push([v as Record<string, unknown>, k]);
    slots((v as Record<string, unknown>)[k], out);
  }
  return out;
}

describe('statusline quick path', () => {
  it('accepts exactly the statusLine JSON the zod schema accepts (all single-field mutations of a full sample)', () => {
    let accepted = 0;
    let rejected = 0;
    assert.ok(readStatusInput(SAMPLE) && statusInputSchema.safeParse(SAMPLE).success);
    const count = slots(SAMPLE).length;
    for (let i = 0; i < count; i++) {
      for (const odd of ODD) {
        const v = structuredClone(SAMPLE);
        const [obj, key] = slots(v)[i]!;
        if (odd === undefined) delete obj[key];
        else obj[key] = odd;
        const quick = readStatusInput(v) !== undefined;
        assert.equal(quick, statusInputSchema.safeParse(v).success, JSON.stringify(v));
        if (quick) accepted++;
        else rejected++;
      }
    }
    assert.ok(accepted > 10 && rejected > 10, `${accepted}/${rejected}`);
  });

  it("prefers Claude Code's own context figures, then current_usage, then the ledger", () => {
    const session = { agent: 'claude-code', costUsd: 0.5, estimatedExtraUsd: 0, requests: 3, contextTokens: 50_000, contextWindow: 200_000, model: 'm', lastAt: '', project: null };
    assert.equal(contextFill({ context_window: { used_percentage: 12.4 } }, session)?.pct, 12.4);
    assert.equal(contextFill({ context_window: { context_window_size: 100_000, current_usage: { input_tokens: 10_000 } } }, session)?.pct, 10);
    assert.equal(contextFill({}, session)?.pct, 25);
    assert.equal(contextFill({}, undefined), undefined);
  });

  it('renders session cost, today and the fill', () => {
    const summary: StatusSummary = {
      version: 1,
      writtenAt: '',
      timeZone: 'UTC',
      scope: '',
      totalUsd: 3,
      days: { '2026-11-23': 2.5 },
      sessions: { s1: { agent: 'claude-code', costUsd: 0.421, estimatedExtraUsd: 0, requests: 3, contextTokens: 124_000, contextWindow: 200_000, model: 'm', lastAt: '', project: null } },
      files: {},
    };
    const now = new Date('2026-11-23T12:00:00Z');
    assert.equal(renderStatusLine({ session_id: 's1' }, summary, now), '$0.42 session · $2.50 today · 62% ctx (124k/200k)');
    assert.equal(renderStatusLine({ session_id: 'other' }, summary, now), '$0.00 session · $2.50 today');
    assert.equal(renderStatusLine({}, undefined, now), '$0.00 session · $0.00 today');
  });
});
