// One session taken apart (the "Show Session Cost" command and its copy-as-JSON): cost by model, by token type and
// by subagent, plus the labelled estimates. A pure function of the ledger; a pass over the counted requests.
import { contextFill } from './contextFill';
import type { Ledger } from './ledger';
import { costOf, costParts, type PriceTable } from './pricing';
import { addTokens, zeroTokens, type AgentKind, type SessionEvent, type TokenCounts, type UsageRecord } from './usageRecord';

type Compaction = Extract<SessionEvent, { kind: 'compaction' }>;

export interface CostSlice {
  costUsd: number;
  requests: number;
  tokens: TokenCounts;
}

export interface SessionBreakdown {
  sessionId: string;
  agent: AgentKind;
  project: string | null;
  branch: string | null;
  firstAt: string;
  lastAt: string;
  costUsd: number;
  /** Labelled estimates for billed requests the log only hints at (never part of costUsd). */
  estimatedExtraUsd: number;
  requests: number;
  tokens: TokenCounts;
  contextTokens: number;
  contextWindow: number;
  byModel: (CostSlice & { model: string; pricedAs: string | null })[];
  /** USD by what was billed: input, output, cache read, 5-minute and 1-hour cache writes, web search. */
  byTokenType: { type: keyof TokenCounts | 'webSearch'; tokens: number; costUsd: number }[];
  /** The main thread first (agentId null), then each subagent. */
  byAgent: (CostSlice & { agentId: string | null })[];
  unpricedRequests: number;
}

const TYPES = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h', 'webSearch'] as const;

function slice(): CostSlice {
  return { costUsd: 0, requests: 0, tokens: zeroTokens() };
}

function add(s: CostSlice, usd: number, r: UsageRecord): void {
  s.costUsd += usd;
  s.requests++;
  addTokens(s.tokens, r.tokens);
}

/** Undefined when the ledger has no request of that session. */
export function sessionBreakdown(ledger: Ledger, prices: PriceTable, sessionId: string): SessionBreakdown | undefined {
  const total = slice();
  const models = new Map<string, CostSlice & { model: string; pricedAs: string | null }>();
  const agents = new Map<string | null, CostSlice & { agentId: string | null }>();
  const byType = Object.fromEntries(TYPES.map((t) => [t, { tokens: 0, costUsd: 0 }])) as Record<(typeof TYPES)[number], { tokens: number; costUsd: number }>;
  let agent: AgentKind | undefined;
  let firstAt = '';
  let lastAt = '';
  let latestMain: UsageRecord | undefined;
  let unpriced = 0;
  let branch: string | null = null;
  let project: string | null = null;
  for (const r of ledger.records.values()) {
    if (r.sessionId !== sessionId) continue;
    agent ??= r.agent;
    const resolved = prices.resolve(r.model, r.timestamp, r.agent);
    const usd = resolved ? costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast) : 0;
    if (!resolved) unpriced++;
    add(total, usd, r);
    if (!firstAt || r.timestamp < firstAt) firstAt = r.timestamp;
    if (r.timestamp > lastAt) lastAt = r.timestamp;
    project ??= r.project ?? null;
    let m = models.get(r.model);
    if (!m) models.set(r.model, (m = { model: r.model, pricedAs: resolved?.modelId ?? null, ...slice() }));
    add(m, usd, r);
    const agentId = r.agentId ?? null;
    let a = agents.get(agentId);
    if (!a) agents.set(agentId, (a = { agentId, ...slice() }));
    add(a, usd, r);
    if (!r.agentId && (!latestMain || r.timestamp > latestMain.timestamp)) {
      latestMain = r;
      if (r.branch) branch = r.branch;
    }
    const parts = resolved ? costParts(r.tokens, r.webSearchRequests, resolved.row, r.fast) : undefined;
    for (const t of TYPES) {
      byType[t].tokens += t === 'webSearch' ? r.webSearchRequests : r.tokens[t];
      byType[t].costUsd += parts?.[t] ?? 0;
    }
  }
  if (!agent) return undefined;

  let estimatedExtraUsd = 0;
  for (const e of ledger.estimates.values()) {
    if (e.sessionId !== sessionId) continue;
    const model = e.model ?? latestMain?.model;
    const resolved = model ? prices.resolve(model, e.timestamp, agent) : undefined;
    if (resolved) estimatedExtraUsd += costOf(e.tokens, 0, resolved.row);
  }
  let compactedAfter: Compaction | undefined;
  for (const c of ledger.compactions.values()) {
    if (c.sessionId === sessionId && (!latestMain || c.timestamp > latestMain.timestamp) && (!compactedAfter || c.timestamp > compactedAfter.timestamp)) compactedAfter = c;
  }
  const fill = contextFill(latestMain, compactedAfter, prices);
  const info = ledger.sessionInfo.get(sessionId);
  return {
    sessionId,
    agent,
    project: info?.project ?? project,
    branch: branch ?? info?.branch ?? null,
    firstAt,
    lastAt,
    costUsd: total.costUsd,
    estimatedExtraUsd,
    requests: total.requests,
    tokens: total.tokens,
    contextTokens: fill.tokens,
    contextWindow: fill.window,
    byModel: [...models.values()].sort((a, b) => b.costUsd - a.costUsd),
    byTokenType: TYPES.map((type) => ({ type, ...byType[type] })),
    byAgent: [...agents.values()].sort((a, b) => (a.agentId === null ? -1 : b.agentId === null ? 1 : b.costUsd - a.costUsd)),
    unpricedRequests: unpriced,
  };
}
