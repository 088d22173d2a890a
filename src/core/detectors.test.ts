import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cacheChurn, contextCreep, retryLoops, runawayBurn, type SpendColumns } from './detectors';
import { DEFAULT_THRESHOLDS as T, type SessionTimeline, type ToolCallFact, type Turn } from './findings';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 10, 0) + minute * 60_000).toISOString();

/** A turn of the main thread (or `thread`) with a prompt of `prompt` tokens costing $0.10, prompt side $0.08. */
function turn(i: number, over: Partial<Turn> = {}): Turn {
  return {
    n: i,
    thread: '',
    at: at(i),
    model: 'claude-sonnet-4-5',
    tokens: { input: 100, output: 50, cacheRead: 20_000, cacheWrite5m: 500, cacheWrite1h: 0 },
    promptTokens: 20_600,
    usd: 0.1,
    promptUsd: 0.08,
    cacheWriteExtraUsd: 0.001,
    window: 200_000,
    autoCompactAt: 187_000,
    tools: [],
    afterCompaction: false,
    ...over,
  };
}

const call = (name: string, fingerprint: number, target: number, failed = false): ToolCallFact => ({ name, fingerprint, target, failed });
const timeline = (turns: Turn[], apiErrors: SessionTimeline['apiErrors'] = []): SessionTimeline => ({ sessionId: 's1', turns, apiErrors });

describe('context creep', () => {
  it('names the requests where the fill crossed warn and critical, and starts over after a compaction', () => {
    const prompts = [50_000, 90_000, 125_000, 140_000, 165_000, 30_000, 60_000];
    const turns = prompts.map((p, i) => turn(i + 1, { promptTokens: p, afterCompaction: i === 5 }));
    const found = contextCreep(timeline(turns), T);
    assert.equal(found.length, 1, 'the second segment peaks at 30% and raises nothing');
    const f = found[0]!;
    assert.equal(f.id, 'context-creep:s1:0');
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.turns, [3, 4, 5]);
    assert.ok(Math.abs(f.usdAtStake - 3 * 0.08) < 1e-12, 'the prompt side of requests 3–5');
    assert.ok(f.evidence.some((e) => e.includes('Reached 60% at request 3, 80% at request 5')), f.evidence.join('\n'));
    // 40k tokens per request over the last… (50k → 165k over 4 steps = 28.75k/request): 22k left → 1 request.
    assert.ok(f.evidence.some((e) => /about 1 request until auto-compact/.test(e)), f.evidence.join('\n'));
  });

  it('stays quiet below the warn level and is a warning between warn and critical', () => {
    assert.deepEqual(contextCreep(timeline([turn(1, { promptTokens: 100_000 }), turn(2, { promptTokens: 119_000 })]), T), []);
    const [f] = contextCreep(timeline([turn(1, { promptTokens: 100_000 }), turn(2, { promptTokens: 130_000 })]), T);
    assert.equal(f?.severity, 'warning');
  });

  it('calls out one request that added a large share of the window, after the tool that caused it', () => {
    const turns = [turn(1, { promptTokens: 40_000, tools: [call('Read', 1, 0)] }), turn(2, { promptTokens: 125_000 })];
    const [f] = contextCreep(timeline(turns), T);
    assert.ok(f!.evidence.some((e) => e.startsWith('Request 2 added 85k tokens (43% of the window) after a Read call')), f!.evidence.join('\n'));
  });
});

describe('retry loops', () => {
  it('finds a command failing again and again, with every request of the loop in its dollars', () => {
    const bash = (failed: boolean) => [call('Bash', 7, 42, failed)];
    const turns = [turn(1, { tools: bash(true) }), turn(2, { tools: [call('Read', 1, 0)] }), turn(3, { tools: bash(true) }), turn(4, { tools: bash(true) }), turn(5)];
    const found = retryLoops(timeline(turns), T);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.pattern, 'failing-command');
    assert.deepEqual(found[0]!.turns, [1, 2, 3, 4]);
    assert.ok(Math.abs(found[0]!.usdAtStake - 0.4) < 1e-12);
  });

  it('a success of the same command ends the run', () => {
    const turns = [true, true, false, true].map((failed, i) => turn(i + 1, { tools: [call('Bash', 7, 42, failed)] }));
    assert.deepEqual(retryLoops(timeline(turns), T), []);
  });

  it('finds the same tool call repeated, per thread, and not a failing-command loop twice', () => {
    const same = (i: number, thread = '') => turn(i, { thread, tools: [call('Grep', 9, 0)] });
    const found = retryLoops(timeline([1, 2, 3, 4, 5].map((i) => same(i, 'agent-a'))), T);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.pattern, 'same-tool-call');
    assert.equal(found[0]!.thread, 'agent-a');
    assert.equal(found[0]!.id, 'retry-loop:s1:agent-a:same-tool-call:1');
    assert.deepEqual(retryLoops(timeline([1, 2, 3, 4].map((i) => same(i))), T), [], 'four is below the threshold of five');
    // Five identical failing commands: one failing-command finding, not also a same-tool-call one.
    const failing = [1, 2, 3, 4, 5].map((i) => turn(i, { tools: [call('Bash', 7, 42, true)] }));
    assert.deepEqual(retryLoops(timeline(failing), T).map((f) => f.pattern), ['failing-command']);
  });

  it('finds edit → failing run cycles on one file; a passing run ends them', () => {
    const edit = (i: number) => turn(i, { tools: [call('Edit', 100 + i, 5)] });
    const test = (i: number, failed: boolean) => turn(i, { tools: [call('Bash', 200 + i, 300 + i, failed)] });
    const turns = [edit(1), test(2, true), edit(3), test(4, true), edit(5), test(6, true), edit(7), test(8, false)];
    const found = retryLoops(timeline(turns), T).filter((f) => f.pattern === 'edit-fail-cycle');
    assert.equal(found.length, 1);
    assert.deepEqual(found[0]!.turns, [1, 2, 3, 4, 5, 6]);
    const short = retryLoops(timeline(turns.slice(0, 4)), T).filter((f) => f.pattern === 'edit-fail-cycle');
    assert.deepEqual(short, [], 'two cycles are below the threshold of three');
  });

  it('finds max_tokens stops in a row and API errors with no success in between', () => {
    const turns = [turn(1, { stopReason: 'max_tokens' }), turn(2, { stopReason: 'max_tokens' }), turn(3, { stopReason: 'end_turn' })];
    assert.deepEqual(retryLoops(timeline(turns), T).map((f) => [f.pattern, f.turns]), [['max-tokens', [1, 2]]]);
    const errors = [{ at: at(10), status: 529 }, { at: at(11), status: 529 }];
    const found = retryLoops(timeline([turn(1), turn(12)], errors), T);
    assert.deepEqual(found.map((f) => f.pattern), ['api-errors']);
    const broken = retryLoops(timeline([turn(1), turn(10.5), turn(12)], errors), T);
    assert.deepEqual(broken, [], 'a successful request between the errors');
  });
});

const columns = (points: { at: string; usd: number; sessionId: string }[]): SpendColumns => ({
  ms: points.map((p) => Date.parse(p.at)),
  usd: points.map((p) => p.usd),
  sessionId: points.map((p) => p.sessionId),
});

describe('runaway burn', () => {
  it('raises one episode while the hourly rate is over the threshold, anchored on its first request', () => {
    // $3 every minute for 10 minutes = $180/hour over a 15-minute window; then quiet.
    const points = Array.from({ length: 10 }, (_, i) => ({ at: at(i), usd: 3, sessionId: i < 6 ? 'a' : 'b' }));
    points.push({ at: at(120), usd: 0.5, sessionId: 'a' });
    const found = runawayBurn(columns(points), T);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.id, `runaway-burn:${at(0)}`);
    assert.equal(found[0]!.sessionId, 'a');
    assert.equal(found[0]!.severity, 'critical');
    assert.ok(Math.abs(found[0]!.usdAtStake - 30) < 1e-9);
  });

  it('needs three requests in the window: one expensive request is not a runaway', () => {
    assert.deepEqual(runawayBurn(columns([{ at: at(0), usd: 50, sessionId: 'a' }, { at: at(1), usd: 50, sessionId: 'a' }]), T), []);
  });
});

describe('cache churn', () => {
  it('finds requests that rewrite the cache instead of reading it, priced at the write premium', () => {
    const churn = (i: number, minute: number) =>
      turn(i, { at: at(minute), tokens: { input: 100, output: 50, cacheRead: 1000, cacheWrite5m: 40_000, cacheWrite1h: 0 }, promptTokens: 41_100, cacheWriteExtraUsd: 0.138 });
    const turns = [turn(1), churn(2, 10), churn(3, 20), churn(4, 30), churn(5, 40), turn(6, { at: at(41) })];
    const [f] = cacheChurn(timeline(turns), T);
    assert.deepEqual(f!.turns, [2, 3, 4, 5]);
    assert.ok(Math.abs(f!.usdAtStake - 4 * 0.138) < 1e-12);
    assert.ok(f!.evidence.some((e) => e.startsWith('4 of them came more than 5 minutes after')), f!.evidence.join('\n'));
    assert.deepEqual(cacheChurn(timeline(turns.slice(0, 4)), T), [], 'three churning requests are below the threshold');
  });
});
