// Sessions as the detectors see them: every counted request of a session in time order, priced, numbered per
// thread (main thread, each subagent), with the tool calls each response made and whether their results failed,
// the compactions that cut the context into segments, and the API errors the agent logged. Pure: the ledger in,
// timelines out. Only the asked-for sessions' records are built.
import { DEFAULT_WINDOW, LONG_WINDOW } from './contextFill';
import type { SessionTimeline, ToolCallFact, Turn } from './findings';
import type { Ledger } from './ledger';
import { costOf, type PriceTable } from './pricing';
import { promptTokens, type UsageRecord } from './usageRecord';

/** Claude Code compacts about this many tokens before the window is full (notes/pricing-and-team-sync.md §4). */
const AUTO_COMPACT_MARGIN = 13_000;

const byTime = (a: { at: string }, b: { at: string }) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0);

function turnOf(r: UsageRecord, prices: PriceTable): Omit<Turn, 'n' | 'tools' | 'afterCompaction'> {
  const resolved = prices.resolve(r.model, r.timestamp, r.agent);
  const prompt = promptTokens(r.tokens);
  let usd = 0;
  let promptUsd = 0;
  let cacheWriteExtraUsd = 0;
  if (resolved) {
    const row = resolved.row;
    usd = costOf(r.tokens, r.webSearchRequests, row, r.fast);
    promptUsd = usd - costOf({ input: 0, output: r.tokens.output, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 }, r.webSearchRequests, row, r.fast);
    const written = r.tokens.cacheWrite5m + r.tokens.cacheWrite1h;
    const writes = costOf({ input: 0, output: 0, cacheRead: 0, cacheWrite5m: r.tokens.cacheWrite5m, cacheWrite1h: r.tokens.cacheWrite1h }, 0, row, r.fast);
    const asReads = costOf({ input: 0, output: 0, cacheRead: written, cacheWrite5m: 0, cacheWrite1h: 0 }, 0, row, r.fast);
    cacheWriteExtraUsd = Math.max(0, writes - asReads);
  }
  let window = r.contextWindow ?? resolved?.row.contextWindow ?? DEFAULT_WINDOW;
  if (prompt > window) window = LONG_WINDOW;
  const autoCompactAt = r.agent === 'claude-code' ? window - AUTO_COMPACT_MARGIN : window;
  return {
    thread: r.agentId ?? '',
    at: r.timestamp,
    model: r.model,
    tokens: r.tokens,
    promptTokens: prompt,
    usd,
    promptUsd,
    cacheWriteExtraUsd,
    window,
    autoCompactAt,
    stopReason: r.stopReason,
  };
}

/** Timelines of the given sessions (all of them when `sessionIds` is undefined). */
export function sessionTimelines(ledger: Ledger, prices: PriceTable, sessionIds?: ReadonlySet<string>): SessionTimeline[] {
  const ids = sessionIds ?? new Set([...ledger.records.values()].map((r) => r.sessionId));
  const bySession = new Map<string, { turn: Turn; row: number }[]>();
  const byRow = new Map<number, Turn>();
  for (const [row, r] of ledger.recordsOfSessions(ids)) {
    const turn: Turn = { ...turnOf(r, prices), n: 0, tools: [], afterCompaction: false };
    let list = bySession.get(r.sessionId);
    if (!list) bySession.set(r.sessionId, (list = []));
    list.push({ turn, row });
    byRow.set(row, turn);
  }
  // Tool calls, each once (a fork's copy points at the same counted response), in the order the files hold them.
  const failed = ledger.failedTools();
  const seen = new Set<number>();
  for (const call of ledger.toolCalls(ids)) {
    const turn = byRow.get(call.row);
    if (!turn || seen.has(call.toolId)) continue;
    seen.add(call.toolId);
    const fact: ToolCallFact = { name: call.name, fingerprint: call.fingerprint, target: call.target, failed: failed.has(call.toolId) };
    turn.tools.push(fact);
  }
  const compactions = new Map<string, string[]>();
  for (const c of ledger.compactions.values()) {
    if (!ids.has(c.sessionId)) continue;
    let list = compactions.get(c.sessionId);
    if (!list) compactions.set(c.sessionId, (list = []));
    list.push(c.timestamp);
  }
  const errors = new Map<string, { at: string; status?: number }[]>();
  for (const e of ledger.apiErrors.values()) {
    if (!ids.has(e.sessionId)) continue;
    let list = errors.get(e.sessionId);
    if (!list) errors.set(e.sessionId, (list = []));
    list.push({ at: e.timestamp, status: e.status });
  }
  const out: SessionTimeline[] = [];
  for (const [sessionId, list] of bySession) {
    const turns = list.map((x) => x.turn).sort(byTime);
    const counters = new Map<string, number>();
    const cuts = (compactions.get(sessionId) ?? []).sort();
    let cut = 0;
    let previousMain: string | undefined;
    for (const turn of turns) {
      const n = (counters.get(turn.thread) ?? 0) + 1;
      counters.set(turn.thread, n);
      turn.n = n;
      if (turn.thread !== '') continue;
      // A compaction stamped after the previous main-thread request and before this one starts a new segment.
      while (cut < cuts.length && cuts[cut]! < turn.at) {
        if (previousMain !== undefined && cuts[cut]! > previousMain) turn.afterCompaction = true;
        cut++;
      }
      previousMain = turn.at;
    }
    out.push({ sessionId, turns, apiErrors: (errors.get(sessionId) ?? []).sort(byTime) });
  }
  for (const [sessionId, list] of errors) if (!bySession.has(sessionId)) out.push({ sessionId, turns: [], apiErrors: list.sort(byTime) });
  return out;
}
