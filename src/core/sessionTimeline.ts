// Sessions as the detectors see them: every counted request of a session in time order, priced, numbered per
// thread (main thread, each subagent), with the tool calls each response made and whether their results failed,
// the compactions that cut the context into segments, and the API errors the agent logged. Pure: the ledger in,
// timelines out, one session at a time (a history's worth of requests is never held as timelines at once).
import { DEFAULT_WINDOW, LONG_WINDOW } from './contextFill';
import type { SessionTimeline, ToolCallFact, Turn } from './findings';
import type { Ledger } from './ledger';
import { costParts, type PriceTable } from './pricing';
import { promptTokens, type UsageRecord } from './usageRecord';

/** Claude Code compacts about this many tokens before the window is full (notes/pricing-and-team-sync.md §4). */
const AUTO_COMPACT_MARGIN = 13_000;
const NO_TOOLS: ToolCallFact[] = [];

const byTime = (a: { at: string }, b: { at: string }) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);

function turnOf(r: UsageRecord, prices: PriceTable, tools: ToolCallFact[]): Turn {
  const resolved = prices.resolve(r.model, r.timestamp, r.agent);
  const t = r.tokens;
  const prompt = promptTokens(t);
  let usd = 0;
  let promptUsd = 0;
  let cacheWriteExtraUsd = 0;
  if (resolved) {
    const row = resolved.row;
    const p = costParts(t, r.webSearchRequests, row, r.fast);
    promptUsd = p.input + p.cacheRead + p.cacheWrite5m + p.cacheWrite1h;
    usd = promptUsd + p.output + p.webSearch;
    // What the same tokens would have cost as cache reads (at this request's read rate).
    const readRate = t.cacheRead > 0 ? p.cacheRead / t.cacheRead : (row.base.cacheRead * (r.fast && row.fastMultiplier ? row.fastMultiplier : 1)) / 1e6;
    cacheWriteExtraUsd = Math.max(0, p.cacheWrite5m + p.cacheWrite1h - (t.cacheWrite5m + t.cacheWrite1h) * readRate);
  }
  let window = r.contextWindow ?? resolved?.row.contextWindow ?? DEFAULT_WINDOW;
  if (prompt > window) window = LONG_WINDOW;
  return {
    n: 0,
    thread: r.agentId ?? '',
    at: r.timestamp,
    model: r.model,
    tokens: t,
    promptTokens: prompt,
    usd,
    promptUsd,
    cacheWriteExtraUsd,
    window,
    autoCompactAt: r.agent === 'claude-code' ? window - AUTO_COMPACT_MARGIN : window,
    stopReason: r.stopReason,
    tools,
    afterCompaction: false,
  };
}

function groupBySession<T extends { sessionId: string }>(items: Iterable<T>, wanted: ((id: string) => boolean) | undefined): Map<string, T[]> {
  const by = new Map<string, T[]>();
  for (const item of items) {
    if (wanted && !wanted(item.sessionId)) continue;
    let list = by.get(item.sessionId);
    if (!list) by.set(item.sessionId, (list = []));
    list.push(item);
  }
  return by;
}

/** Calls `visit` with the timeline of each of the given sessions (every session when undefined), one at a time. */
export function forEachSessionTimeline(ledger: Ledger, prices: PriceTable, sessionIds: ReadonlySet<string> | undefined, visit: (tl: SessionTimeline) => void): void {
  const rows = ledger.rowsBySession(sessionIds);
  const wanted = sessionIds ? (id: string) => sessionIds.has(id) : undefined;
  // Tool calls by the counted response that made them, each once (a fork's copy points at the same response).
  const failed = ledger.failedTools();
  const seen = new Set<number>();
  const tools = new Map<number, ToolCallFact[]>();
  ledger.forEachToolCall(sessionIds, (row, name, fingerprint, target, toolId) => {
    if (seen.has(toolId)) return;
    seen.add(toolId);
    let list = tools.get(row);
    if (!list) tools.set(row, (list = []));
    list.push({ name, fingerprint, target, failed: failed.has(toolId) });
  });
  const compactions = groupBySession(ledger.compactions.values(), wanted);
  const errors = groupBySession(ledger.apiErrors.values(), wanted);
  for (const [sessionId, list] of rows) {
    const turns = list.map((row) => turnOf(ledger.recordAt(row), prices, tools.get(row) ?? NO_TOOLS)).sort(byTime);
    const counters = new Map<string, number>();
    const cuts = (compactions.get(sessionId) ?? []).map((c) => c.timestamp).sort();
    let cut = 0;
    let previousMain: string | undefined;
    for (const turn of turns) {
      const n = (counters.get(turn.thread) ?? 0) + 1;
      counters.set(turn.thread, n);
      turn.n = n;
      if (turn.thread !== '') continue;
      // A compaction stamped after the previous main-thread request and before this one starts a new segment.
      while (cut < cuts.length && cuts[cut]! < turn.at) {
        if (previousMain !== undefined) turn.afterCompaction = true;
        cut++;
      }
      previousMain = turn.at;
    }
    visit({ sessionId, turns, apiErrors: apiErrorsOf(errors.get(sessionId)) });
  }
  for (const [sessionId, list] of errors) if (!rows.has(sessionId)) visit({ sessionId, turns: [], apiErrors: apiErrorsOf(list) });
}

function apiErrorsOf(list: { timestamp: string; status?: number }[] | undefined): SessionTimeline['apiErrors'] {
  return (list ?? []).map((e) => ({ at: e.timestamp, status: e.status })).sort(byTime);
}

/** The timelines of the given sessions (every session when undefined), all at once: for tests and small sets. */
export function sessionTimelines(ledger: Ledger, prices: PriceTable, sessionIds?: ReadonlySet<string>): SessionTimeline[] {
  const out: SessionTimeline[] = [];
  forEachSessionTimeline(ledger, prices, sessionIds, (tl) => out.push(tl));
  return out;
}
