// The team server's budget maths, pure (the clock and the spend come in as values): which day, week and month an
// instant falls in for the team's time zone, when each resets, and where the team and a member stand against their
// budgets. Days are the rows' own `day` strings, taken as days in the team's zone (the sync answer tells clients the
// zone, so they bucket in it); the server never re-buckets stored rows.
import { budgetStanding, worstLevel, type BudgetThresholds } from '../core/budget';
import { addDays, daysInMonth, localDate, monthStart, weekStart } from '../core/calendar';
import type { BudgetPeriod, BudgetStatus, EntityStatus, PeriodStatus } from '../core/teamProtocol';

export const DEFAULT_THRESHOLDS: BudgetThresholds = { warnPercent: 70, throttlePercent: 90, stopPercent: 100 };

/** One calendar period: its first and last day (inclusive) and the instant it resets. */
export interface PeriodWindow {
  period: BudgetPeriod;
  start: string;
  end: string;
  /** First instant of the next period, ISO-8601 UTC. */
  resetAt: string;
}

/** A budget as stored: scope 'team' (member '') or 'member'. */
export interface BudgetRow {
  scope: 'team' | 'member';
  member: string;
  period: BudgetPeriod;
  amountUsd: number;
}

/** Spend of one day: the whole team's and the asking member's, in integer nano-dollars. */
export interface DaySpend {
  day: string;
  teamNanoUsd: number;
  memberNanoUsd: number;
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  let f = offsetFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    offsetFormatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(utcMs))) p[part.type] = Number(part.value);
  const wall = Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!);
  return wall - Math.floor(utcMs / 1000) * 1000;
}

/**
 * First instant of a calendar day in a time zone, ISO-8601 UTC. Usually local midnight; where a DST change skips
 * midnight (America/Santiago in September) it is the first wall-clock time that exists, e.g. 01:00.
 */
export function zonedDayStart(day: string, timeZone: string): string {
  const key = `${timeZone} ${day}`;
  let start = dayStarts.get(key);
  if (start === undefined) {
    if (dayStarts.size >= 4096) dayStarts.clear();
    start = computeDayStart(day, timeZone);
    dayStarts.set(key, start);
  }
  return start;
}

/** Every status answer needs three of these; a few Intl calls each, so they are remembered. */
const dayStarts = new Map<string, string>();

function computeDayStart(day: string, timeZone: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(y, m - 1, d);
  // The offset at a guess, then at the corrected instant: two candidates, equal unless a transition lies between.
  const first = wallMidnight - zoneOffsetMs(wallMidnight, timeZone);
  const second = wallMidnight - zoneOffsetMs(first, timeZone);
  const inDay = [first, second].filter((t) => localDate(new Date(t).toISOString(), timeZone) === day);
  return new Date(inDay.length ? Math.min(...inDay) : first).toISOString();
}

/** The day, ISO week (from Monday) and month that hold `today`, each with its reset instant in `timeZone`. */
export function periodWindows(today: string, timeZone: string): PeriodWindow[] {
  const week = weekStart(today);
  const month = monthStart(today);
  const monthDays = daysInMonth(today);
  return [
    { period: 'daily', start: today, end: today, resetAt: zonedDayStart(addDays(today, 1), timeZone) },
    { period: 'weekly', start: week, end: addDays(week, 6), resetAt: zonedDayStart(addDays(week, 7), timeZone) },
    { period: 'monthly', start: month, end: addDays(month, monthDays - 1), resetAt: zonedDayStart(addDays(month, monthDays), timeZone) },
  ];
}

/** The days a status needs spend for: from the earlier of week and month start to the later of their ends. */
export function statusDayRange(windows: PeriodWindow[]): { from: string; to: string } {
  const starts = windows.map((w) => w.start).sort();
  const ends = windows.map((w) => w.end).sort();
  return { from: starts[0]!, to: ends[ends.length - 1]! };
}

function entityStatus(
  id: string,
  windows: PeriodWindow[],
  spendOf: (window: PeriodWindow) => number,
  limitOf: (period: BudgetPeriod) => number | null,
  thresholds: BudgetThresholds,
): EntityStatus {
  const periods: PeriodStatus[] = windows.map((w) => {
    const spentNanoUsd = spendOf(w);
    const spentUsd = spentNanoUsd / 1e9;
    const limitUsd = limitOf(w.period);
    const { percent, level } = budgetStanding(spentUsd, limitUsd, thresholds);
    return { period: w.period, start: w.start, resetAt: w.resetAt, spentNanoUsd, spentUsd, limitUsd, percent, level };
  });
  return { id, periods, level: worstLevel(periods.map((p) => p.level)) };
}

export interface StatusInput {
  team: string;
  /** The member to report on; undefined gives an empty member entity (an admin asking about the team only). */
  member: string | undefined;
  timeZone: string;
  thresholds: BudgetThresholds;
  budgets: BudgetRow[];
  /** Per-day spend covering statusDayRange(periodWindows(today)). */
  days: DaySpend[];
  now: Date;
}

/** The team's and a member's standing in the current day, week and month. */
export function budgetStatus(input: StatusInput): BudgetStatus {
  const today = localDate(input.now.toISOString(), input.timeZone);
  const windows = periodWindows(today, input.timeZone);
  const sum = (w: PeriodWindow, pick: (d: DaySpend) => number) =>
    input.days.reduce((total, d) => (d.day >= w.start && d.day <= w.end ? total + pick(d) : total), 0);
  const limit = (scope: 'team' | 'member', member: string) => (period: BudgetPeriod) =>
    input.budgets.find((b) => b.scope === scope && b.member === member && b.period === period)?.amountUsd ?? null;
  const member =
    input.member === undefined
      ? { id: '', periods: [], level: 'none' as const }
      : entityStatus(input.member, windows, (w) => sum(w, (d) => d.memberNanoUsd), limit('member', input.member), input.thresholds);
  return {
    team: entityStatus(input.team, windows, (w) => sum(w, (d) => d.teamNanoUsd), limit('team', ''), input.thresholds),
    member,
    timeZone: input.timeZone,
    thresholds: { ...input.thresholds },
    asOf: input.now.toISOString(),
  };
}
