// Printing a report, fresh or from the view cache, the same way from the quick entry and the full CLI: the table,
// or the `report --json` document with its findings and budget sections (the budget worked out now).
import type { Report } from '../core/report';
import { findingsWindowStart, reportBudget } from '../core/reportBudget';
import { localDate } from '../core/calendar';
import type { ReportFindings } from '../core/reportFindings';
import { budgetJson, findingJson, reportJson } from '../core/reportJson';
import type { PanelBudgets } from '../core/periods';
import { formatReportTable } from './reportFormat';

/** A report with its findings and recent spend (what the view cache keeps). */
export type ReportView = Report & ReportFindings;

export const BUDGET_FLAGS = ['budget-session', 'budget-daily', 'budget-weekly', 'budget-monthly'] as const;
export const BUDGET_OPTIONS = Object.fromEntries(BUDGET_FLAGS.map((f) => [f, { type: 'string' }])) as Record<(typeof BUDGET_FLAGS)[number], { type: 'string' }>;

/** The budgets given on the command line (thresholds at their defaults: 70 / 90 / 100), or what is wrong. */
export function budgetsFromFlags(values: Partial<Record<(typeof BUDGET_FLAGS)[number], unknown>>): PanelBudgets | { problem: string } {
  for (const flag of BUDGET_FLAGS) {
    const v = values[flag];
    const n = Number(v);
    if (v !== undefined && (!(n > 0) || !Number.isFinite(n))) return { problem: `--${flag} ${String(v)}: expected a positive amount in USD` };
  }
  const amount = (flag: (typeof BUDGET_FLAGS)[number]): number | null => (values[flag] === undefined ? null : Number(values[flag]));
  return {
    session: amount('budget-session'),
    daily: amount('budget-daily'),
    weekly: amount('budget-weekly'),
    monthly: amount('budget-monthly'),
    warnPercent: 70,
    throttlePercent: 90,
    stopPercent: 100,
  };
}

export function printReport(r: ReportView, json: boolean, budgets: PanelBudgets): void {
  const now = new Date();
  // A view served from the cache days later: its window moves on with the clock (findings only drop out of it).
  const since = r.findingsSince ? findingsWindowStart(now, r.timeZone) : null;
  const findings = (r.findings ?? []).filter((f) => since === null || localDate(f.lastAt, r.timeZone) >= since);
  if (!json) {
    process.stdout.write(formatReportTable(r, { findings, since }));
    return;
  }
  const budget = reportBudget(r, r.recentSpend ?? [], budgets, now);
  const doc = { ...reportJson(r), findingsSince: since, findings: findings.map(findingJson), budget: budgetJson(budget) };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}
