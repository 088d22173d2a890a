// Live totals: what the status bar, `watch` and the statusline show, kept current as the ledger changes (O(1) per
// counted response, no pass over the history). Same rules as the report (report.ts): cost per record from the
// price table, context fill from the latest main-thread request, reset by a later compaction.
import { contextFill, type ContextFill } from './contextFill';
import type { Ledger, LedgerListener } from './ledger';
import { costOf, type PriceTable } from './pricing';
import { localDate } from './calendar';
import {
  addTokens,
  zeroTokens,
  type AgentKind,
  type EstimateRecord,
  type SessionEvent,
  type TokenCounts,
  type UsageRecord,
} from './usageRecord';

type Compaction = Extract<SessionEvent, { kind: 'compaction' }>;

/** How much request history the live totals keep for burn rates (the panel's window is 60 minutes). */
const RECENT_HOURS = 6;

export interface LiveSession {
  sessionId: string;
  agent: AgentKind;
  costUsd: number;
  estimatedExtraUsd: number;
  requests: number;
  tokens: TokenCounts;
  project?: string;
  branch?: string;
  lastAt: string;
  /** The latest main-thread request (context fill and current model come from it). */
  latest?: UsageRecord;
  /** The latest compaction, when it came after `latest`. */
  compactedAfter?: Compaction;
  unpricedRequests: number;
}

export interface CostSlice {
  costUsd: number;
  requests: number;
  tokens: TokenCounts;
}

/** The ways the panel's tables cut spend; each day keeps one map per cut (keys: session id, model id, project path,
 * branch, agent kind; '' = none). */
export const BREAKDOWNS = ['sessions', 'models', 'projects', 'branches', 'agents'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

export interface LiveDay {
  costUsd: number;
  requests: number;
  /** Spend of the day by session, model, project, branch and agent: a range's tables merge its days. */
  by: Record<Breakdown, Map<string, CostSlice>>;
}

function emptyDay(): LiveDay {
  return { costUsd: 0, requests: 0, by: { sessions: new Map(), models: new Map(), projects: new Map(), branches: new Map(), agents: new Map() } };
}

function addSlice(map: Map<string, CostSlice>, key: string, usd: number, sign: 1 | -1, tokens: TokenCounts): void {
  let slice = map.get(key);
  if (!slice) map.set(key, (slice = { costUsd: 0, requests: 0, tokens: zeroTokens() }));
  slice.costUsd += usd;
  slice.requests += sign;
  addTokens(slice.tokens, tokens);
  if (slice.requests === 0) map.delete(key);
}

/** Context fill of a live session (the rule is contextFill's). */
export function contextOf(s: LiveSession, prices: PriceTable): ContextFill {
  return contextFill(s.latest, s.compactedAfter, prices);
}

export class LiveTotals implements LedgerListener {
  costUsd = 0;
  estimatedExtraUsd = 0;
  requests = 0;
  readonly tokens = zeroTokens();
  readonly sessions = new Map<string, LiveSession>();
  /** Per calendar day in `timeZone`. */
  readonly days = new Map<string, LiveDay>();
  /** Bumped on every change. */
  revision = 0;
  /** The price row each model was last priced with (null = unpriced). */
  readonly pricedAs = new Map<string, string | null>();
  /** Spend by request time over the last RECENT_HOURS before the latest request (burn rate); removals net out. */
  private recent: { at: string; usd: number }[] = [];
  private latestAt = '';
  private recentLimit = 4096;

  constructor(
    private readonly ledger: Ledger,
    readonly prices: PriceTable,
    readonly timeZone: string,
  ) {
    this.reset();
    ledger.listener = this;
  }

  private session(r: { sessionId: string; timestamp: string }, agent: AgentKind): LiveSession {
    let s = this.sessions.get(r.sessionId);
    if (!s) {
      s = { sessionId: r.sessionId, agent, costUsd: 0, estimatedExtraUsd: 0, requests: 0, tokens: zeroTokens(), lastAt: r.timestamp, unpricedRequests: 0 };
      this.sessions.set(r.sessionId, s);
    }
    return s;
  }

  private apply(r: UsageRecord, sign: 1 | -1): void {
    const resolved = this.prices.resolve(r.model, r.timestamp, r.agent);
    const usd = sign * (resolved ? costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast) : 0);
    const s = this.session(r, r.agent);
    const day = localDate(r.timestamp, this.timeZone);
    let d = this.days.get(day);
    if (!d) this.days.set(day, (d = emptyDay()));
    this.costUsd += usd;
    this.requests += sign;
    s.costUsd += usd;
    s.requests += sign;
    d.costUsd += usd;
    d.requests += sign;
    if (!resolved) s.unpricedRequests += sign;
    this.noteRecent(r.timestamp, usd);
    const t = sign === 1 ? r.tokens : { input: -r.tokens.input, output: -r.tokens.output, cacheRead: -r.tokens.cacheRead, cacheWrite5m: -r.tokens.cacheWrite5m, cacheWrite1h: -r.tokens.cacheWrite1h };
    addTokens(this.tokens, t);
    addTokens(s.tokens, t);
    // Keys from the record itself (never from later session metadata), so a removal subtracts from the same slice.
    addSlice(d.by.sessions, r.sessionId, usd, sign, t);
    addSlice(d.by.models, r.model, usd, sign, t);
    addSlice(d.by.projects, r.project ?? '', usd, sign, t);
    addSlice(d.by.branches, r.branch ?? '', usd, sign, t);
    addSlice(d.by.agents, r.agent, usd, sign, t);
    if (sign === 1) this.pricedAs.set(r.model, resolved?.modelId ?? null);
    if (sign === 1) {
      if (r.timestamp > s.lastAt) s.lastAt = r.timestamp;
      if (r.project && !s.project) s.project = r.project;
      if (!r.agentId && (!s.latest || r.timestamp >= s.latest.timestamp)) {
        s.latest = r;
        if (r.branch) s.branch = r.branch;
        if (s.compactedAfter && s.compactedAfter.timestamp < r.timestamp) s.compactedAfter = undefined;
      }
    }
  }

  counted(added: UsageRecord | undefined, removed: UsageRecord | undefined): void {
    if (removed) {
      this.apply(removed, -1);
      const s = this.sessions.get(removed.sessionId);
      if (s?.latest === removed) s.latest = added && added.sessionId === removed.sessionId && !added.agentId ? added : undefined;
    }
    if (added) this.apply(added, 1);
    this.revision++;
  }

  estimate(e: EstimateRecord): void {
    const s = this.sessions.get(e.sessionId);
    const model = e.model ?? s?.latest?.model;
    const resolved = model ? this.prices.resolve(model, e.timestamp, s?.agent) : undefined;
    const usd = resolved ? costOf(e.tokens, 0, resolved.row) : 0;
    this.estimatedExtraUsd += usd;
    if (s) s.estimatedExtraUsd += usd;
    this.revision++;
  }

  compaction(e: Compaction): void {
    const s = this.sessions.get(e.sessionId);
    if (s && (!s.latest || e.timestamp > s.latest.timestamp) && (!s.compactedAfter || e.timestamp > s.compactedAfter.timestamp)) {
      s.compactedAfter = e;
    }
    this.revision++;
  }

  private noteRecent(at: string, usd: number): void {
    if (at > this.latestAt) this.latestAt = at;
    this.recent.push({ at, usd });
    if (this.recent.length > this.recentLimit) {
      const cutoff = new Date(Date.parse(this.latestAt) - RECENT_HOURS * 3_600_000).toISOString();
      this.recent = this.recent.filter((e) => e.at >= cutoff);
      // Amortised: a burst of recent requests larger than the limit doubles it instead of filtering every push.
      this.recentLimit = Math.max(4096, this.recent.length * 2);
    }
  }

  /** Spend of requests stamped in [since, until] (ISO), for windows within the last RECENT_HOURS. */
  spentBetween(since: string, until: string): number {
    let usd = 0;
    for (const e of this.recent) if (e.at >= since && e.at <= until) usd += e.usd;
    return usd;
  }

  /** Recomputes everything from the ledger (on start, and after a file's contribution was dropped). */
  reset(): void {
    this.costUsd = 0;
    this.estimatedExtraUsd = 0;
    this.requests = 0;
    Object.assign(this.tokens, zeroTokens());
    this.sessions.clear();
    this.days.clear();
    this.pricedAs.clear();
    this.recent = [];
    this.latestAt = '';
    this.recentLimit = 4096;
    for (const r of this.ledger.records.values()) this.apply(r, 1);
    for (const c of this.ledger.compactions.values()) this.compaction(c);
    for (const e of this.ledger.estimates.values()) this.estimate(e);
    this.revision++;
  }

  /** The session updated most recently (the one an agent is working in now). */
  latestSession(): LiveSession | undefined {
    let best: LiveSession | undefined;
    for (const s of this.sessions.values()) if (!best || s.lastAt > best.lastAt) best = s;
    return best;
  }

  dayCost(date: string): number {
    return this.days.get(date)?.costUsd ?? 0;
  }
}
