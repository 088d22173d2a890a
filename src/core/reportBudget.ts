// The `budget` section of `report --json`: the periods that contain today (from the report's days), this session
// (the report's most recent one), each against the budgets given, with forecasts, and the state the guard would
// enforce. Worked out at print time (it depends on the clock), also for a report served from the view cache:
// light imports only, the CLI's quick entry uses it.
import { budgetSummary } from './budget';
import { addDays, localDate, minutesIntoDay } from './calendar';
import type { BudgetSummary, PeriodLine } from './panelProtocol';
import { periodLines, type PanelBudgets } from './periods';
import type { Report } from './report';
import type { ReportFindings } from './reportFindings';
import { sessionName } from './sessionName';

/** Without --since/--until, a report's findings cover the sessions active in the last this many days. */
export const REPORT_FINDINGS_DAYS = 7;

/**
 * The first local day of the findings window at `now` (today and the six days before). Kept here, in a light module:
 * the quick entry applies it to a view served from the cache, whose window moves on with the clock.
 */
export function findingsWindowStart(now: Date, timeZone: string): string {
  return addDays(localDate(now.toISOString(), timeZone), 1 - REPORT_FINDINGS_DAYS);
}

/** The burn-rate window of the forecasts, as in the panel. */
const BURN_MINUTES = 60;

/** The budget lines and the guard state at `now`, from a report (fresh or cached) and its recent spend. */
export function reportBudget(r: Report, recentSpend: ReportFindings['recentSpend'], budgets: PanelBudgets, now: Date): { state: BudgetSummary; lines: PeriodLine[] } {
  const nowIso = now.toISOString();
  const since = new Date(now.getTime() - BURN_MINUTES * 60_000).toISOString();
  let lastHourUsd = 0;
  for (const p of recentSpend) if (p.at >= since && p.at <= nowIso) lastHourUsd += p.usd;
  const latest = r.sessions.reduce<Report['sessions'][number] | undefined>((a, s) => (!a || s.lastAt > a.lastAt ? s : a), undefined);
  const lines = periodLines(
    new Map(r.days.map((d) => [d.date, d])),
    budgets,
    { today: localDate(nowIso, r.timeZone), minutesIntoDay: minutesIntoDay(nowIso, r.timeZone), usdPerHour: (lastHourUsd * 60) / BURN_MINUTES },
    latest && {
      sessionId: latest.sessionId,
      label: sessionName(latest.sessionId, latest.project),
      costUsd: latest.costUsd,
      requests: latest.requests,
      firstDay: localDate(latest.firstAt, r.timeZone),
      lastDay: localDate(latest.lastAt, r.timeZone),
    },
  );
  return { state: budgetSummary(lines), lines };
}
