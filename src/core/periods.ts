// The budget lines: this session, today, this week (ISO, from Monday) and this month in the user's time zone, each
// against its budget, with a forecast for the period's end and a "projected to exceed" flag (DESIGN §6). Built from
// per-day sums, so it costs a pass over the days, not over the requests (the status bar calls it on every update).
import { budgetStanding, type BudgetThresholds } from './budget';
import { daysInMonth, monthStart, weekStart } from './calendar';
import type { PeriodLine } from './panelProtocol';

export interface PanelBudgets extends BudgetThresholds {
  session: number | null;
  daily: number | null;
  weekly: number | null;
  monthly: number | null;
}

export interface BudgetClock {
  /** Today in the user's time zone (YYYY-MM-DD). */
  today: string;
  /** Minutes since local midnight. */
  minutesIntoDay: number;
  /** Current burn rate (USD per hour over the recent window). */
  usdPerHour: number;
}

/** The session a session budget applies to: the most recently active one. */
export interface BudgetSession {
  sessionId: string;
  label: string;
  costUsd: number;
  requests: number;
  firstDay: string;
  lastDay: string;
}

/**
 * Spend at the period's end at the current pace. Today: spend plus the hourly burn over the hours left. A week or a
 * month: that, plus the average of the period's earlier days for each day left after today (today's own projection
 * when today is the period's first day: one day is the only pace there is).
 */
function forecast(costUsd: number, todayCostUsd: number, from: string, lastDay: string, clock: BudgetClock): number {
  const restOfToday = (clock.usdPerHour * (1440 - clock.minutesIntoDay)) / 60;
  const pastDays = dayNumber(clock.today) - dayNumber(from);
  const daysLeft = dayNumber(lastDay) - dayNumber(clock.today);
  const pace = pastDays > 0 ? (costUsd - todayCostUsd) / pastDays : todayCostUsd + restOfToday;
  return costUsd + restOfToday + pace * daysLeft;
}

/** Days since 1970-01-01 of a YYYY-MM-DD date (UTC arithmetic on dates only). */
function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

function lastDayOfWeek(today: string): string {
  const start = weekStart(today);
  return new Date(Date.parse(`${start}T00:00:00Z`) + 6 * 86_400_000).toISOString().slice(0, 10);
}

function lastDayOfMonth(today: string): string {
  return `${today.slice(0, 8)}${String(daysInMonth(today)).padStart(2, '0')}`;
}

export function periodLines(
  days: ReadonlyMap<string, { costUsd: number; requests: number }>,
  budgets: PanelBudgets,
  clock: BudgetClock,
  session?: BudgetSession,
): PeriodLine[] {
  const { today } = clock;
  const defs = [
    { id: 'today' as const, label: 'Today', from: today, to: today, budget: budgets.daily },
    { id: 'week' as const, label: 'This week', from: weekStart(today), to: lastDayOfWeek(today), budget: budgets.weekly },
    { id: 'month' as const, label: 'This month', from: monthStart(today), to: lastDayOfMonth(today), budget: budgets.monthly },
  ];
  const todayCost = days.get(today)?.costUsd ?? 0;
  const lines: PeriodLine[] = defs.map((d) => {
    let costUsd = 0;
    let requests = 0;
    for (const [date, day] of days) {
      if (date >= d.from && date <= today) {
        costUsd += day.costUsd;
        requests += day.requests;
      }
    }
    const standing = budgetStanding(costUsd, d.budget, budgets);
    const forecastUsd = forecast(costUsd, todayCost, d.from, d.to, clock);
    return { id: d.id, label: d.label, from: d.from, to: today, costUsd, requests, budgetUsd: d.budget, ...standing, forecastUsd, projectedToExceed: projected(standing.level, forecastUsd, d.budget, budgets) };
  });
  if (session && budgets.session !== null) {
    const standing = budgetStanding(session.costUsd, budgets.session, budgets);
    lines.unshift({
      id: 'session',
      label: `This session (${session.label})`,
      from: session.firstDay,
      to: session.lastDay,
      costUsd: session.costUsd,
      requests: session.requests,
      budgetUsd: budgets.session,
      ...standing,
      forecastUsd: null,
      projectedToExceed: false,
      sessionId: session.sessionId,
    });
  }
  return lines;
}

/** The forecast reaches the stop threshold while the spend has not. */
function projected(level: PeriodLine['level'], forecastUsd: number, budget: number | null, t: BudgetThresholds): boolean {
  if (budget === null || !(budget > 0) || level === 'stop') return false;
  return forecastUsd >= (budget * t.stopPercent) / 100;
}
