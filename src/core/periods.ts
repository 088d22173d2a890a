// Today, this week (ISO, from Monday) and this month in the user's time zone, each against its budget. Built from
// per-day sums, so it costs a pass over the days, not over the requests (the status bar calls it on every update).
import { budgetStanding, type BudgetThresholds } from './budget';
import { monthStart, weekStart } from './calendar';
import type { PeriodLine } from './panelProtocol';

export interface PanelBudgets extends BudgetThresholds {
  daily: number | null;
  weekly: number | null;
  monthly: number | null;
}

export function periodLines(days: ReadonlyMap<string, { costUsd: number; requests: number }>, budgets: PanelBudgets, today: string): PeriodLine[] {
  const defs = [
    { id: 'today' as const, label: 'Today', from: today, budget: budgets.daily },
    { id: 'week' as const, label: 'This week', from: weekStart(today), budget: budgets.weekly },
    { id: 'month' as const, label: 'This month', from: monthStart(today), budget: budgets.monthly },
  ];
  return defs.map((d) => {
    let costUsd = 0;
    let requests = 0;
    for (const [date, day] of days) {
      if (date >= d.from && date <= today) {
        costUsd += day.costUsd;
        requests += day.requests;
      }
    }
    const standing = budgetStanding(costUsd, d.budget, budgets);
    return { id: d.id, label: d.label, from: d.from, to: today, costUsd, requests, budgetUsd: d.budget, ...standing };
  });
}
