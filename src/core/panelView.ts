// The budget panel's snapshot: a pure function of (ledger, live totals, prices, settings, selection, now). Periods,
// burn rate and tables come from the live totals' per-day sums and cuts (no pass over the history); only the
// selected session's series walks the counted requests, pricing just that session's.
import { daysInMonth, localDate, minutesIntoDay, monthStart, weekStart } from './calendar';
import { budgetSummary, type TeamStanding } from './budget';
import { projectFolder, sessionName } from './sessionName';
import type { Finding } from './findings';
import { periodLines, type PanelBudgets } from './periods';
import type { Ledger } from './ledger';
import { BREAKDOWNS, contextOf, type Breakdown, type CostSlice, type LiveSession, type LiveTotals } from './liveTotals';
import type { BudgetSummary, PanelSnapshot, PanelState, PeriodLine, SessionSeries, TableRange, TableRow, TeamPanel, TurnPoint } from './panelProtocol';
import { costOf, type PriceTable } from './pricing';
import { addTokens, promptTokens, zeroTokens, type UsageRecord } from './usageRecord';

export interface PanelInput {
  ledger: Ledger;
  live: LiveTotals;
  prices: PriceTable;
  budgets: PanelBudgets;
  state: PanelState;
  now: Date;
  scanning: boolean;
  warnings: string[];
  /** Team sync's part of the panel (teamPanelView); null or absent when team sync is off. */
  team?: TeamPanel | null;
  /** Live findings (findingsView.liveFindings), computed by the caller at its own pace. */
  findings?: Finding[];
}

/** How far back the burn rate looks. */
export const BURN_WINDOW_MINUTES = 60;
const MAX_ROWS = 200;
const MAX_SESSION_CHOICES = 50;

/** First and last local day of a range ending today (null = no limit). */
export function rangeDays(range: TableRange, today: string): { from: string | null; to: string } {
  if (range === 'today') return { from: today, to: today };
  if (range === 'week') return { from: weekStart(today), to: today };
  if (range === 'month') return { from: monthStart(today), to: today };
  return { from: null, to: today };
}

/** USD per hour over the last BURN_WINDOW_MINUTES. */
export function burnRate(live: LiveTotals, now: Date): number {
  const since = new Date(now.getTime() - BURN_WINDOW_MINUTES * 60_000).toISOString();
  return (live.spentBetween(since, now.toISOString()) * 60) / BURN_WINDOW_MINUTES;
}

export { projectFolder, sessionName } from './sessionName';

/** A session's one-line name with its cost (the session picker). */
export function sessionLabel(s: { sessionId: string; project?: string | null; costUsd: number }): string {
  return `${sessionName(s.sessionId, s.project)} · $${s.costUsd.toFixed(2)}`;
}

/** The budget lines (periods.ts) for the live totals at `now`: the clock, the burn rate and the active session. */
export function liveBudgetLines(live: LiveTotals, budgets: PanelBudgets, now: Date): PeriodLine[] {
  const nowIso = now.toISOString();
  const zone = live.timeZone;
  const session = live.latestSession();
  return periodLines(
    live.days,
    budgets,
    { today: localDate(nowIso, zone), minutesIntoDay: minutesIntoDay(nowIso, zone), usdPerHour: burnRate(live, now) },
    session && {
      sessionId: session.sessionId,
      label: sessionName(session.sessionId, session.project),
      costUsd: session.costUsd,
      requests: session.requests,
      firstDay: localDate(session.lastAt, zone),
      lastDay: localDate(session.lastAt, zone),
    },
  );
}

/** What budget-state.json says (the guard's input): the budget lines and, with team sync, the team's answer. */
export function budgetState(lines: PeriodLine[], team: TeamPanel | null | undefined): BudgetSummary {
  const standings: TeamStanding[] = [];
  for (const [who, entity] of [['team', team?.team], ['you', team?.member]] as const) {
    for (const p of entity?.periods ?? []) standings.push({ who, period: p.period, spentUsd: p.spentUsd, limitUsd: p.limitUsd, percent: p.percent, level: p.level });
  }
  return budgetSummary(lines, standings);
}

function pickSession(live: LiveTotals, wanted: string | null): LiveSession | undefined {
  return (wanted ? live.sessions.get(wanted) : undefined) ?? live.latestSession();
}

export function buildPanelSnapshot(input: PanelInput): PanelSnapshot {
  const { ledger, live, prices, budgets, state, now } = input;
  const nowIso = now.toISOString();
  const zone = live.timeZone;
  const today = localDate(nowIso, zone);
  const range = rangeDays(state.range, today);
  const selected = pickSession(live, state.sessionId);

  // The tables: the live totals' per-day cuts, merged over the range's days (no pass over the requests).
  const merged = { sessions: new Map<string, CostSlice>(), models: new Map<string, CostSlice>(), projects: new Map<string, CostSlice>(), branches: new Map<string, CostSlice>(), agents: new Map<string, CostSlice>() };
  let rangeTotal = 0;
  for (const [date, day] of live.days) {
    if ((range.from !== null && date < range.from) || date > range.to) continue;
    rangeTotal += day.costUsd;
    for (const cut of BREAKDOWNS) {
      const into = merged[cut];
      for (const [key, slice] of day.by[cut]) {
        let acc = into.get(key);
        if (!acc) into.set(key, (acc = { costUsd: 0, requests: 0, tokens: zeroTokens() }));
        acc.costUsd += slice.costUsd;
        acc.requests += slice.requests;
        addTokens(acc.tokens, slice.tokens);
      }
    }
  }
  const label = (cut: Breakdown, key: string): { label: string; detail: string } => {
    switch (cut) {
      case 'sessions': {
        const project = live.sessions.get(key)?.project ?? ledger.sessionInfo.get(key)?.project ?? '';
        return { label: sessionName(key, project), detail: project };
      }
      case 'models': {
        const pricedAs = live.pricedAs.get(key);
        return { label: key, detail: pricedAs === null ? 'unpriced' : pricedAs && pricedAs !== key ? `priced as ${pricedAs}` : '' };
      }
      case 'projects':
        return { label: projectFolder(key), detail: key };
      case 'branches':
        return { label: key || '(no branch)', detail: '' };
      case 'agents':
        return { label: key === 'claude-code' ? 'Claude Code' : 'Codex', detail: '' };
    }
  };
  const table = (cut: Breakdown): TableRow[] =>
    [...merged[cut]]
      .map(([key, a]) => ({ key: key || '(none)', ...label(cut, key), costUsd: a.costUsd, requests: a.requests, tokens: a.tokens, share: rangeTotal > 0 ? a.costUsd / rangeTotal : 0 }))
      .sort((x, y) => y.costUsd - x.costUsd || (x.key < y.key ? -1 : 1))
      .slice(0, MAX_ROWS);

  // The selected session, request by request: one pass that only prices that session's requests.
  const selectedRecords: { r: UsageRecord; usd: number }[] = [];
  if (selected) {
    for (const r of ledger.records.values()) {
      if (r.sessionId !== selected.sessionId) continue;
      const resolved = prices.resolve(r.model, r.timestamp, r.agent);
      selectedRecords.push({ r, usd: resolved ? costOf(r.tokens, r.webSearchRequests, resolved.row, r.fast) : 0 });
    }
  }
  const unpriced = [...live.pricedAs].filter(([, row]) => row === null).map(([model]) => model);

  const periods = liveBudgetLines(live, budgets, now);
  const period = (id: PeriodLine['id']) => periods.find((p) => p.id === id)!;
  const burn = {
    usdPerHour: burnRate(live, now),
    windowMinutes: BURN_WINDOW_MINUTES,
    endOfDayUsd: period('today').forecastUsd!,
    endOfMonthUsd: period('month').forecastUsd!,
  };

  const sessionChoices = [...live.sessions.values()]
    .sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0))
    .slice(0, MAX_SESSION_CHOICES);
  if (selected && !sessionChoices.includes(selected)) sessionChoices.push(selected);

  const diag = ledger.diagnostics;
  return {
    generatedAt: nowIso,
    timeZone: zone,
    scanning: input.scanning,
    periods,
    budget: budgetState(periods, input.team),
    burn,
    findings: input.findings ?? [],
    findingSessions: Object.fromEntries(
      (input.findings ?? []).map((f) => [f.sessionId, sessionName(f.sessionId, live.sessions.get(f.sessionId)?.project ?? ledger.sessionInfo.get(f.sessionId)?.project)]),
    ),
    sessionChoices: sessionChoices.map((s) => ({ sessionId: s.sessionId, label: sessionLabel(s) })),
    following: state.sessionId === null || !live.sessions.has(state.sessionId),
    session: selected ? sessionSeries(selected, selectedRecords, ledger, prices) : null,
    tables: {
      range: state.range,
      sessions: table('sessions'),
      models: table('models'),
      projects: table('projects'),
      branches: table('branches'),
      agents: table('agents'),
    },
    dataQuality: {
      files: diag.files,
      lines: diag.lines,
      rejectedLines: diag.rejectedLines,
      rejected: { ...diag.rejected } as Record<string, number>,
      unreadable: diag.unreadable,
      unpricedModels: unpriced.sort(),
      warnings: input.warnings,
    },
    priceVersion: prices.version,
    team: input.team ?? null,
  };
}

function sessionSeries(s: LiveSession, records: { r: UsageRecord; usd: number }[], ledger: Ledger, prices: PriceTable): SessionSeries {
  records.sort((a, b) => (a.r.timestamp < b.r.timestamp ? -1 : a.r.timestamp > b.r.timestamp ? 1 : 0));
  const turns: TurnPoint[] = [];
  let cumulative = 0;
  let subagentUsd = 0;
  for (const { r, usd } of records) {
    cumulative += usd;
    if (r.agentId) {
      subagentUsd += usd;
      continue;
    }
    turns.push({ at: r.timestamp, cumulativeUsd: cumulative, costUsd: usd, contextTokens: promptTokens(r.tokens), model: r.model });
  }
  const compactions = [...ledger.compactions.values()]
    .filter((c) => c.sessionId === s.sessionId)
    .sort((a, b) => (a.timestamp < b.timestamp ? -1 : 1))
    .map((c) => ({ at: c.timestamp, postTokens: c.postTokens ?? null }));
  const ctx = contextOf(s, prices);
  const info = ledger.sessionInfo.get(s.sessionId);
  return {
    sessionId: s.sessionId,
    agent: s.agent,
    project: info?.project ?? s.project ?? null,
    branch: s.branch ?? info?.branch ?? null,
    model: ctx.model ?? null,
    costUsd: s.costUsd,
    requests: s.requests,
    contextTokens: ctx.tokens,
    contextWindow: ctx.window,
    turns,
    subagentUsd,
    compactions,
  };
}
