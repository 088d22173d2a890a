// The report view: a pure function of (ledger, prices, options) → totals, sessions, days, models, diagnostics.
// This is the shape `agent-meter report --json` prints and the one the editor surfaces render.
import type { Ledger, ReadDiagnostics } from './ledger';
import { costOf, type PriceTable } from './pricing';
import { addTokens, promptTokens, zeroTokens, type AgentKind, type TokenCounts, type UsageRecord } from './usageRecord';

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

const DEFAULT_WINDOW = 200_000;
const LONG_WINDOW = 1_000_000;

function emptyLine(): CostLine {
  return { costUsd: 0, estimatedExtraUsd: 0, requests: 0, tokens: zeroTokens() };
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

/** Calendar day of an ISO instant in a time zone, as YYYY-MM-DD. */
export function localDate(iso: string, timeZone: string): string {
  if (timeZone === 'UTC') return iso.slice(0, 10);
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso.slice(0, 10) : f.format(d);
}

/** True when `timeZone` is a zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface SessionAcc {
  report: SessionReport;
  latestMain?: UsageRecord;
  /** Main-thread (timestamp, model) in time order, to price estimates with the model in force then. */
  mainModels: { at: string; model: string }[];
  subagents: Map<string, SubagentCost>;
}

export function buildReport(ledger: Ledger, prices: PriceTable, options: ReportOptions, now: Date): Report {
  const timeZone = options.timeZone ?? 'UTC';
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
        mainModels: [],
        subagents: new Map(),
      };
      sessions.set(r.sessionId, acc);
    }
    if (r.timestamp < acc.report.firstAt) acc.report.firstAt = r.timestamp;
    if (r.timestamp > acc.report.lastAt) acc.report.lastAt = r.timestamp;
    return acc;
  };
  const dayFor = (date: string): DayReport => {
    let d = days.get(date);
    if (!d) days.set(date, (d = { date, ...emptyLine() }));
    return d;
  };

  // Sorting by time makes "first model", "latest request" and subagent order deterministic.
  const records = [...ledger.records.values()].sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0));
  for (const r of records) {
    const date = localDate(r.timestamp, timeZone);
    if (!inRange(date)) continue;
    const resolved = prices.resolve(r.model, r.timestamp, r.agent);
    const usd = resolved ? costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast) : 0;
    if (!resolved) unpriced.add(r.model);

    const acc = sessionFor(r, r.agent);
    const s = acc.report;
    if (!s.project && r.project) s.project = r.project;
    if (r.branch && !r.agentId) s.branch = r.branch;
    if (!s.models.includes(r.model)) s.models.push(r.model);
    if (!resolved) s.unpricedRequests++;
    for (const line of [totals, s, dayFor(date)]) {
      line.costUsd += usd;
      line.requests++;
      addTokens(line.tokens, r.tokens);
    }
    let m = models.get(r.model);
    if (!m) models.set(r.model, (m = { model: r.model, pricedAs: resolved?.modelId ?? null, ...emptyLine() }));
    m.costUsd += usd;
    m.requests++;
    addTokens(m.tokens, r.tokens);

    if (r.agentId) {
      let sub = acc.subagents.get(r.agentId);
      if (!sub) acc.subagents.set(r.agentId, (sub = { agentId: r.agentId, requests: 0, costUsd: 0, tokens: zeroTokens() }));
      sub.requests++;
      sub.costUsd += usd;
      addTokens(sub.tokens, r.tokens);
    } else {
      acc.latestMain = r;
      const last = acc.mainModels[acc.mainModels.length - 1];
      if (!last || last.model !== r.model) acc.mainModels.push({ at: r.timestamp, model: r.model });
    }
  }

  // Labelled estimates for billed requests the log only hints at (compaction summary, session title).
  const estimates: EstimateLine[] = [];
  for (const e of ledger.estimates.values()) {
    const date = localDate(e.timestamp, timeZone);
    if (!inRange(date)) continue;
    const acc = sessions.get(e.sessionId);
    const model = e.model ?? (acc ? modelAt(acc.mainModels, e.timestamp) : undefined) ?? null;
    const resolved = model ? prices.resolve(model, e.timestamp, acc?.report.agent) : undefined;
    const usd = resolved ? costOf(e.tokens, 0, resolved.row) : 0;
    estimates.push({ sessionId: e.sessionId, reason: e.reason, timestamp: e.timestamp, model, usd });
    totals.estimatedExtraUsd += usd;
    dayFor(date).estimatedExtraUsd += usd;
    if (acc) acc.report.estimatedExtraUsd += usd;
  }

  for (const acc of sessions.values()) {
    const s = acc.report;
    s.subagents = [...acc.subagents.values()];
    const latest = acc.latestMain;
    if (latest) {
      s.currentModel = latest.model;
      s.contextTokens = promptTokens(latest.tokens);
      const resolved = prices.resolve(latest.model, latest.timestamp, latest.agent);
      s.contextWindow = latest.contextWindow ?? resolved?.row.contextWindow ?? DEFAULT_WINDOW;
    }
    // A compaction after the latest request resets the fill to what the summary left.
    for (const c of ledger.compactions.values()) {
      if (c.sessionId !== s.sessionId) continue;
      s.compactions++;
      if (!latest || c.timestamp > latest.timestamp) s.contextTokens = c.postTokens ?? 0;
    }
    if (s.contextTokens > s.contextWindow) s.contextWindow = LONG_WINDOW;
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

/** The main-thread model in force at `timestamp` (the first one if the estimate predates every request). */
function modelAt(timeline: { at: string; model: string }[], timestamp: string): string | undefined {
  let model = timeline[0]?.model;
  for (const t of timeline) {
    if (t.at > timestamp) break;
    model = t.model;
  }
  return model;
}
