// The documented `report --json` document (README) and the sessions CSV: what `agent-meter report --json` prints
// and what the editor's Export Report saves. Pure.
import type { Finding } from './findings';
import type { BudgetSummary, PeriodLine } from './panelProtocol';
import type { CostLine, Report } from './report';

/** Dollar figures keep 10 decimals: exact enough to compare, free of float noise like 0.30000000000000004. */
function usd(n: number): number {
  return Math.round(n * 1e10) / 1e10;
}

function line(l: CostLine) {
  return { costUsd: usd(l.costUsd), estimatedExtraUsd: usd(l.estimatedExtraUsd), requests: l.requests, tokens: l.tokens };
}

/** The `report --json` document (shape documented in the README). */
export function reportJson(r: Report) {
  return {
    generatedAt: r.generatedAt,
    timeZone: r.timeZone,
    priceVersion: r.priceVersion,
    totals: line(r.totals),
    sessions: r.sessions.map((s) => ({
      agent: s.agent,
      sessionId: s.sessionId,
      project: s.project,
      branch: s.branch,
      models: s.models,
      ...line(s),
      firstAt: s.firstAt,
      lastAt: s.lastAt,
      contextTokens: s.contextTokens,
      contextWindow: s.contextWindow,
      currentModel: s.currentModel,
      subagents: s.subagents.map((a) => ({ ...a, costUsd: usd(a.costUsd) })),
      unpricedRequests: s.unpricedRequests,
      apiErrors: s.apiErrors,
      compactions: s.compactions,
    })),
    days: r.days.map((d) => ({ date: d.date, ...line(d) })),
    models: r.models.map((m) => ({ model: m.model, pricedAs: m.pricedAs, ...line(m) })),
    estimates: r.estimates.map((e) => ({ ...e, usd: usd(e.usd) })),
    diagnostics: r.diagnostics,
  };
}

/** One `findings[]` entry of `report --json`: the documented six fields first, then the evidence. */
export function findingJson(f: Finding) {
  return {
    id: f.id,
    kind: f.kind,
    sessionId: f.sessionId,
    severity: f.severity,
    usdAtStake: usd(f.usdAtStake),
    summary: f.summary,
    pattern: f.pattern ?? null,
    thread: f.thread || null,
    turns: f.turns,
    firstAt: f.firstAt,
    lastAt: f.lastAt,
    evidence: f.evidence,
    action: f.action,
  };
}

/** One budget period as `report --json` and `watch --json` print it. */
export function periodJson(l: PeriodLine) {
  return {
    id: l.id,
    from: l.from,
    to: l.to,
    costUsd: usd(l.costUsd),
    budgetUsd: l.budgetUsd,
    percent: l.percent === null ? null : Math.round(l.percent * 100) / 100,
    level: l.level,
    forecastUsd: l.forecastUsd === null ? null : usd(l.forecastUsd),
    projectedToExceed: l.projectedToExceed,
  };
}

/** The `budget` section of `report --json`: the guard state and one line per period. */
export function budgetJson(b: { state: BudgetSummary; lines: PeriodLine[] }) {
  return { state: b.state.state, reason: b.state.reason, periods: b.lines.map(periodJson) };
}

const CSV_COLUMNS = [
  'agent', 'sessionId', 'project', 'branch', 'firstAt', 'lastAt', 'models', 'requests',
  'inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens',
  'costUsd', 'estimatedExtraUsd', 'unpricedRequests', 'apiErrors', 'compactions',
] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function csvField(value: string | number | null): string {
  if (value === null) return '';
  let s = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per session, newest first, with a header line. */
export function reportCsv(r: Report): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const s of r.sessions) {
    const row = [
      s.agent, s.sessionId, s.project, s.branch, s.firstAt, s.lastAt, s.models.join(' '), s.requests,
      s.tokens.input, s.tokens.output, s.tokens.cacheRead, s.tokens.cacheWrite5m, s.tokens.cacheWrite1h,
      usd(s.costUsd), usd(s.estimatedExtraUsd), s.unpricedRequests, s.apiErrors, s.compactions,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
