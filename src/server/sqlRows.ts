// Rows of the two SQL stores, which share table and column names: the summing clause, the dimension columns, and the
// mapping of result rows to records (PostgreSQL returns its int8 sums as text unless told otherwise; SQLite returns
// numbers, or bigint past 2^53: exactInteger takes all three).
import type { BudgetRow, DaySpend } from './budgetPeriods';
import { exactInteger, type GroupTotals, type SummaryDimension, type TeamRecord, type TokenRecord } from './store';

export const SUMS = `SUM(cost_nano_usd) AS cost, SUM(requests) AS requests, SUM(input_tokens) AS input,
  SUM(output_tokens) AS output, SUM(cache_read_tokens) AS cache_read, SUM(cache_write_5m_tokens) AS cache_5m,
  SUM(cache_write_1h_tokens) AS cache_1h`;

/**
 * Budget standing needs the whole team's spend per day on every sync; summing the usage rows for it would cost a scan
 * of the team's month per request. A trigger keeps `team_daily` (team, day → cost) current instead, adding each
 * stored row's change of cost in the same transaction; the member's own days come from its rows (an index range).
 * `$n` parameters for both databases: SQLite numbers them in order of first appearance, which is n here.
 */
export const TEAM_DAYS = 'SELECT day, cost_nano_usd AS cost FROM team_daily WHERE team = $1 AND day BETWEEN $2 AND $3';
export const MEMBER_DAYS =
  'SELECT day, SUM(cost_nano_usd) AS cost FROM usage WHERE team = $1 AND member = $2 AND day BETWEEN $3 AND $4 GROUP BY day';

/** Team and member spend per day, from TEAM_DAYS and MEMBER_DAYS rows. */
export function mergeDays(teamDays: Row[], memberDays: Row[]): DaySpend[] {
  const byDay = new Map<string, DaySpend>();
  for (const r of teamDays) byDay.set(String(r['day']), { day: String(r['day']), teamNanoUsd: exactInteger(r['cost']), memberNanoUsd: 0 });
  for (const r of memberDays) {
    const day = String(r['day']);
    const d = byDay.get(day) ?? { day, teamNanoUsd: 0, memberNanoUsd: 0 };
    d.memberNanoUsd = exactInteger(r['cost']);
    byDay.set(day, d);
  }
  return [...byDay.values()];
}

/** Column per summary dimension (a fixed list: nothing from a request is ever put into SQL text). */
export const DIMENSION_COLUMN: Record<SummaryDimension, string> = { member: 'member', repo: 'repo', model: 'model', day: 'day' };

export type Row = Record<string, unknown>;

/** One summary group from a row of SUMS. */
export function groupFromRow(row: Row): GroupTotals {
  return {
    key: String(row['k']),
    costNanoUsd: exactInteger(row['cost']),
    requests: exactInteger(row['requests']),
    tokens: {
      input: exactInteger(row['input']),
      output: exactInteger(row['output']),
      cacheRead: exactInteger(row['cache_read']),
      cacheWrite5m: exactInteger(row['cache_5m']),
      cacheWrite1h: exactInteger(row['cache_1h']),
    },
  };
}

export function teamFromRow(row: Row): TeamRecord {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    team: String(row['team']),
    timeZone: (row['time_zone'] as string | null) ?? null,
    warnPercent: num(row['warn_percent']),
    throttlePercent: num(row['throttle_percent']),
    stopPercent: num(row['stop_percent']),
    webhookUrl: (row['webhook_url'] as string | null) ?? null,
  };
}

export function tokenFromRow(row: Row): TokenRecord {
  return { id: String(row['id']), team: String(row['team']), member: (row['member'] as string | null) ?? null, createdAt: String(row['created_at']) };
}

export function budgetFromRow(row: Row): BudgetRow {
  return {
    scope: row['scope'] as BudgetRow['scope'],
    member: String(row['member']),
    period: row['period'] as BudgetRow['period'],
    amountUsd: Number(row['amount_usd']),
  };
}
