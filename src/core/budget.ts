// Where spend stands against a budget (DESIGN §6): below warn is ok; warn, throttle and stop are crossed at their
// percentages of the budget (70 / 90 / 100 by default). No budget, no level.
import type { BudgetLevel } from './panelProtocol';

export interface BudgetThresholds {
  warnPercent: number;
  throttlePercent: number;
  stopPercent: number;
}

export interface BudgetStanding {
  percent: number | null;
  level: BudgetLevel;
}

export function budgetStanding(costUsd: number, budgetUsd: number | null, t: BudgetThresholds): BudgetStanding {
  if (budgetUsd === null || !(budgetUsd > 0)) return { percent: null, level: 'none' };
  const percent = (100 * costUsd) / budgetUsd;
  const level: BudgetLevel =
    percent >= t.stopPercent ? 'stop' : percent >= t.throttlePercent ? 'throttle' : percent >= t.warnPercent ? 'warn' : 'ok';
  return { percent, level };
}

const RANK: Record<BudgetLevel, number> = { none: 0, ok: 1, warn: 2, throttle: 3, stop: 4 };

/** The most severe of several levels. */
export function worstLevel(levels: BudgetLevel[]): BudgetLevel {
  let worst: BudgetLevel = 'none';
  for (const l of levels) if (RANK[l] > RANK[worst]) worst = l;
  return worst;
}

/** "$92.10 of $100.00" */
function spentOf(spent: number, budget: number): string {
  return `$${spent.toFixed(2)} of $${budget.toFixed(2)}`;
}

const PERIOD_NAMES: Record<string, string> = { session: 'session', today: 'daily', week: 'weekly', month: 'monthly' };
/** What to do once a budget stops the agent, per budget line. */
const WAY_OUT: Record<string, string> = {
  session: 'Raise agentMeter.budgets.session or start a new session.',
  today: 'Raise agentMeter.budgets.daily or wait until tomorrow.',
  week: 'Raise agentMeter.budgets.weekly or wait until Monday.',
  month: 'Raise agentMeter.budgets.monthly or wait until the month is over.',
  team: 'Ask whoever runs your team server to raise the budget.',
};

/** One budget line as budgetSummary needs it (a PeriodLine fits). */
export interface BudgetLineLike {
  id: string;
  costUsd: number;
  budgetUsd: number | null;
  percent: number | null;
  level: BudgetLevel;
  projectedToExceed: boolean;
  forecastUsd: number | null;
  sessionId?: string;
}

/** The team server's answer, folded in when team sync is on. */
export interface TeamStanding {
  /** 'team' or 'you'. */
  who: string;
  period: string;
  spentUsd: number;
  limitUsd: number | null;
  percent: number | null;
  level: BudgetLevel;
}

/**
 * The state the guard enforces: the worst level among the budget lines and the team's standings ('none' counts
 * as ok), with the reason a developer reads when a prompt is blocked. A tie goes to the longer period (a month
 * budget is harder to wait out than a day's). A session budget's state is tied to its session.
 */
export function budgetSummary(lines: BudgetLineLike[], team: TeamStanding[] = []): { state: 'ok' | 'warn' | 'throttle' | 'stop'; reason: string; sessionId?: string } {
  type Candidate = { level: BudgetLevel; reason: string; wayOut: string; sessionId?: string; order: number };
  const candidates: Candidate[] = [];
  const order = { session: 0, today: 1, week: 2, month: 3 } as Record<string, number>;
  for (const l of lines) {
    if (l.budgetUsd === null || l.percent === null) continue;
    const name = PERIOD_NAMES[l.id] ?? l.id;
    candidates.push({
      level: l.level,
      reason: `Agent Meter: ${name} budget at ${Math.floor(l.percent)}% (${spentOf(l.costUsd, l.budgetUsd)})`,
      wayOut: WAY_OUT[l.id] ?? '',
      sessionId: l.id === 'session' ? l.sessionId : undefined,
      order: order[l.id] ?? 0,
    });
  }
  for (const t of team) {
    if (t.limitUsd === null || t.percent === null) continue;
    const whose = t.who === 'team' ? "the team's" : 'your team';
    candidates.push({ level: t.level, reason: `Agent Meter: ${whose} ${t.period} budget at ${Math.floor(t.percent)}% (${spentOf(t.spentUsd, t.limitUsd)})`, wayOut: WAY_OUT['team']!, order: 4 });
  }
  let worst: Candidate | undefined;
  for (const c of candidates) if (!worst || RANK[c.level] > RANK[worst.level] || (RANK[c.level] === RANK[worst.level] && c.order > worst.order)) worst = c;
  if (!worst || worst.level === 'none' || worst.level === 'ok') {
    const projected = lines.find((l) => l.projectedToExceed && l.budgetUsd !== null && l.forecastUsd !== null);
    const reason = projected
      ? `Agent Meter: ${PERIOD_NAMES[projected.id] ?? projected.id} budget projected to reach $${projected.forecastUsd!.toFixed(2)} of $${projected.budgetUsd!.toFixed(2)}`
      : worst
        ? 'Agent Meter: within budget'
        : '';
    return { state: 'ok', reason };
  }
  const state = worst.level as 'warn' | 'throttle' | 'stop';
  const reason = state === 'stop' ? `${worst.reason}. ${worst.wayOut}` : `${worst.reason}.`;
  return worst.sessionId ? { state, reason, sessionId: worst.sessionId } : { state, reason };
}
