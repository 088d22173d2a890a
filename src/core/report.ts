// The report view: a pure function of (ledger, prices, options) → totals, sessions, days, models, diagnostics.
// This is the shape `agent-meter report --json` prints and the one the editor surfaces render.
import type { Ledger, ReadDiagnostics } from './ledger';
import { localDateMemo } from './calendar';
import { contextFill, DEFAULT_WINDOW } from './contextFill';
import { costOf, type PriceTable } from './pricing';
import { addTokens, zeroTokens, type AgentKind, type SessionEvent, type TokenCounts, type UsageRecord } from './usageRecord';

type Compaction = Extract<SessionEvent, { kind: 'compaction' }>;

export interface ReportOptions {
  /** IANA zone for calendar days; default UTC. */
  timeZone?: string;
  /** Inclusive local dates YYYY-MM-DD. */
  since?: string;
  until?: string;
}

export interface CostLine {
  costUsd: number;
  estimatedExtraUsd: number;
  requests: number;
  tokens: TokenCounts;
}

export interface SubagentCost {
  agentId: string;
  requests: number;
  costUsd: number;
  tokens: TokenCounts;
}

export interface SessionReport extends CostLine {
  agent: AgentKind;
  sessionId: string;
  project: string | null;
  branch: string | null;
  models: string[];
  firstAt: string;
  lastAt: string;
  /** Prompt tokens of the latest main-thread request (0 / post-compaction size after a compaction). */
  contextTokens: number;
  contextWindow: number;
  /** Model of the latest main-thread request. */
  currentModel: string | null;
  subagents: SubagentCost[];
  unpricedRequests: number;
  apiErrors: number;
  compactions: number;
}

export interface DayReport extends CostLine {
  date: string;
}

export interface ModelReport extends CostLine {
  model: string;
  /** The price row used (`claude-sonnet-4-5` for a dated id) or null when unpriced. */
  pricedAs: string | null;
}

export interface EstimateLine {
  sessionId: string;
  reason: string;
  timestamp: string;
  model: string | null;
  usd: number;
}

export interface Report {
  generatedAt: string;
  timeZone: string;
  priceVersion: string;
  totals: CostLine;
  sessions: SessionReport[];
  days: DayReport[];
  models: ModelReport[];
  estimates: EstimateLine[];
  diagnostics: ReadDiagnostics & { unpricedModels: string[] };
}


function emptyLine(): CostLine {
  return { costUsd: 0, estimatedExtraUsd: 0, requests: 0, tokens: zeroTokens() };
}

interface SessionAcc {
  report: SessionReport;
  latestMain?: UsageRecord;
  /** First use of each model (to list them in the order the session used them). */
  modelFirstAt: Map<string, string>;
  /** Main-thread (timestamp, model) pairs, to price estimates with the model in force then (sorted on demand). */
  mainModels: { at: string; model: string }[];
  mainModelsSorted: boolean;
  subagents: Map<string, SubagentCost>;
}

export function buildReport(ledger: Ledger, prices: PriceTable, options: ReportOptions, now: Date): Report {
  const timeZone = options.timeZone ?? 'UTC';
  const dayOf = localDateMemo(timeZone);
  const inRange = (date: string) =>
    (!options.since || date >= options.since) && (!options.until || date <= options.until);

  const totals = emptyLine();
  const sessions = new Map<string, SessionAcc>();
  const days = new Map<string, DayReport>();
  const models = new Map<string, ModelReport>();
  const unpriced = new Set<string>();

  const sessionFor = (r: { sessionId: string; timestamp: string }, agent: AgentKind): SessionAcc => {
    let acc = sessions.get(r.sessionId);
    if (!acc) {
      const info = ledger.sessionInfo.get(r.sessionId);
      acc = {
        report: {
          agent,
          sessionId: r.sessionId,
          project: info?.project ?? null,
          branch: info?.branch ?? null,
          models: [],
          firstAt: r.timestamp,
          lastAt: r.timestamp,
          ...emptyLine(),
          contextTokens: 0,
          contextWindow: DEFAULT_WINDOW,
          currentModel: null,
          subagents: [],
          unpricedRequests: 0,
          apiErrors: 0,
          compactions: 0,
        },
        modelFirstAt: new Map(),
        mainModels: [],
        mainModelsSorted: false,
        subagents: new Map(),
      };
      sessions.set(r.sessionId, acc);
    }
    if (r.timestamp < acc.report.firstAt) acc.report.firstAt = r.timestamp;
    if (r.timestamp > acc.report.lastAt) acc.report.lastAt = r.timestamp;
    return acc;
  };
  // Records come in runs of one session, day and model: the last answer is kept to skip the map lookups.
  let lastDay: DayReport | undefined;
  const dayFor = (date: string): DayReport => {
    if (lastDay?.date === date) return lastDay;
    let d = days.get(date);
    if (!d) days.set(date, (d = { date, ...emptyLine() }));
    return (lastDay = d);
  };
  // Only estimates without a model of their own need the session's main-thread model timeline.
  const needsTimeline = new Set<string>();
  for (const e of ledger.estimates.values()) if (e.model === undefined) needsTimeline.add(e.sessionId);

  // One pass in any order (no sort of the whole history): firsts and lasts are kept by timestamp comparison.
  for (const r of ledger.records.values()) {
    const date = dayOf(r.timestamp);
    if (!inRange(date)) continue;
    const resolved = prices.resolveDay(r.model, r.timestamp.slice(0, 10), r.agent);
    const usd = resolved ? costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast) : 0;
    if (!resolved) unpriced.add(r.model);

    const acc = sessionFor(r, r.agent);
    const s = acc.report;
    if (!s.project && r.project) s.project = r.project;
    const firstUse = acc.modelFirstAt.get(r.model);
    if (firstUse === undefined || r.timestamp < firstUse) acc.modelFirstAt.set(r.model, r.timestamp);
    if (!resolved) s.unpricedRequests++;
    let m = models.get(r.model);
    if (!m) models.set(r.model, (m = { model: r.model, pricedAs: resolved?.modelId ?? null, ...emptyLine() }));
    addTo(totals, usd, r);
    addTo(s, usd, r);
    addTo(dayFor(date), usd, r);
    addTo(m, usd, r);

    if (r.agentId) {
      let sub = acc.subagents.get(r.agentId);
      if (!sub) acc.subagents.set(r.agentId, (sub = { agentId: r.agentId, requests: 0, costUsd: 0, tokens: zeroTokens() }));
      sub.requests++;
      sub.costUsd += usd;
      addTokens(sub.tokens, r.tokens);
    } else {
      const latest = acc.latestMain;
      if (!latest || r.timestamp > latest.timestamp) {
        acc.latestMain = r;
        // The session's branch is the one of its latest main-thread request.
        if (r.branch) s.branch = r.branch;
      }
      if (needsTimeline.has(r.sessionId)) acc.mainModels.push({ at: r.timestamp, model: r.model });
    }
  }

  // Labelled estimates for billed requests the log only hints at (compaction summary, session title).
  const estimates: EstimateLine[] = [];
  for (const e of ledger.estimates.values()) {
    const date = dayOf(e.timestamp);
    if (!inRange(date)) continue;
    const acc = sessions.get(e.sessionId);
    if (acc && !acc.mainModelsSorted) {
      acc.mainModels.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
      acc.mainModelsSorted = true;
    }
    const model = e.model ?? (acc ? modelAt(acc.mainModels, e.timestamp) : undefined) ?? null;
    const resolved = model ? prices.resolve(model, e.timestamp, acc?.report.agent) : undefined;
    const usd = resolved ? costOf(e.tokens, 0, resolved.row) : 0;
    estimates.push({ sessionId: e.sessionId, reason: e.reason, timestamp: e.timestamp, model, usd });
    totals.estimatedExtraUsd += usd;
    dayFor(date).estimatedExtraUsd += usd;
    if (acc) acc.report.estimatedExtraUsd += usd;
  }

  // Compactions by session: how many, and the latest one (it resets the context fill if it came last).
  const compactionsBySession = new Map<string, { count: number; latest?: Compaction }>();
  for (const c of ledger.compactions.values()) {
    const entry = compactionsBySession.get(c.sessionId) ?? { count: 0 };
    entry.count++;
    if (!entry.latest || c.timestamp > entry.latest.timestamp) entry.latest = c;
    compactionsBySession.set(c.sessionId, entry);
  }
  for (const acc of sessions.values()) {
    const s = acc.report;
    s.models = [...acc.modelFirstAt].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([model]) => model);
    s.subagents = [...acc.subagents.values()];
    acc.mainModels = []; // only needed for estimates, done above
    const compactions = compactionsBySession.get(s.sessionId);
    s.compactions = compactions?.count ?? 0;
    const latest = acc.latestMain;
    const after = compactions?.latest && (!latest || compactions.latest.timestamp > latest.timestamp) ? compactions.latest : undefined;
    const fill = contextFill(latest, after, prices);
    s.currentModel = latest?.model ?? null;
    s.contextTokens = fill.tokens;
    s.contextWindow = fill.window;
  }
  for (const e of ledger.apiErrors.values()) {
    const acc = sessions.get(e.sessionId);
    if (acc) acc.report.apiErrors++;
  }

  return {
    generatedAt: now.toISOString(),
    timeZone,
    priceVersion: prices.version,
    totals,
    sessions: [...sessions.values()].map((a) => a.report).sort((a, b) => (a.lastAt < b.lastAt ? 1 : -1)),
    days: [...days.values()].sort((a, b) => (a.date < b.date ? -1 : 1)),
    models: [...models.values()].sort((a, b) => b.costUsd - a.costUsd),
    estimates,
    diagnostics: { ...ledger.diagnostics, unpricedModels: [...unpriced].sort() },
  };
}

function addTo(line: CostLine, usd: number, r: UsageRecord): void {
  line.costUsd += usd;
  line.requests++;
  addTokens(line.tokens, r.tokens);
}

/** The main-thread model in force at `timestamp` (the first one if the estimate predates every request). */
function modelAt(timeline: { at: string; model: string }[], timestamp: string): string | undefined {
  let model = timeline[0]?.model;
  for (const t of timeline) {
    if (t.at > timestamp) break;
    model = t.model;
  }
  return model;
}
