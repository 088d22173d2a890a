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
