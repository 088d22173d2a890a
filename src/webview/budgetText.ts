// The budget cards' forecast and the guard line, in words and bar positions: pure functions of snapshot values, so
// the panel's rules ("forecast $X at month end", where the forecast marker sits) have unit tests.
import type { BudgetSummary, PeriodLine } from '../core/panelProtocol';
import { formatUsd } from './format';

const PERIOD_END: Record<Exclude<PeriodLine['id'], 'session'>, string> = { today: 'end of day', week: 'week end', month: 'month end' };

/** "Forecast $130.00 at month end"; '' for a line without a forecast (a session has no end). */
export function forecastText(p: PeriodLine): string {
  if (p.forecastUsd === null || p.id === 'session') return '';
  return `Forecast ${formatUsd(p.forecastUsd)} at ${PERIOD_END[p.id]}`;
}

/**
 * Where the forecast ends on the card's bar, in percent of the budget (the bar's scale), clamped to 0..100; null when
 * there is nothing to draw: no budget, no forecast, or a forecast no higher than the spend.
 */
export function forecastBarPercent(p: PeriodLine): number | null {
  if (p.budgetUsd === null || !(p.budgetUsd > 0) || p.forecastUsd === null || !(p.forecastUsd > p.costUsd)) return null;
  return Math.min(100, Math.max(0, (p.forecastUsd / p.budgetUsd) * 100));
}

/** The accessible summary of a budget bar: "Spent 92% of the budget, forecast 130%". */
export function budgetBarLabel(p: PeriodLine): string {
  if (p.budgetUsd === null || !(p.budgetUsd > 0)) return '';
  const spent = `Spent ${Math.round((p.costUsd / p.budgetUsd) * 100)}% of the budget`;
  return p.forecastUsd !== null && p.forecastUsd > p.costUsd ? `${spent}, forecast ${Math.round((p.forecastUsd / p.budgetUsd) * 100)}%` : spent;
}

/**
 * "Guard: throttle — Monthly budget at 92% ($92.10 of $100.00)"; "Guard: ok — no budget set" without budgets. The
 * reason is written for Claude Code's screen ("Agent Meter: monthly budget…"); inside Agent Meter's own panel the
 * prefix says nothing, so it goes.
 */
export function guardText(b: BudgetSummary): string {
  const reason = b.reason.replace(/^Agent Meter:\s*/, '');
  return `Guard: ${b.state} — ${reason ? reason.charAt(0).toUpperCase() + reason.slice(1) : 'no budget set'}`;
}
