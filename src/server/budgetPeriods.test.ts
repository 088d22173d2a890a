import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetStatus, periodWindows, statusDayRange, zonedDayStart, type DaySpend } from './budgetPeriods';

describe('zonedDayStart', () => {
  it('is local midnight in UTC and in a zone ahead of it', () => {
    assert.equal(zonedDayStart('2026-03-18', 'UTC'), '2026-03-18T00:00:00.000Z');
    assert.equal(zonedDayStart('2026-03-18', 'Europe/Paris'), '2026-03-17T23:00:00.000Z');
    assert.equal(zonedDayStart('2026-07-01', 'Europe/Paris'), '2026-06-30T22:00:00.000Z');
    assert.equal(zonedDayStart('2026-03-18', 'America/Los_Angeles'), '2026-03-18T07:00:00.000Z');
  });

  it('follows the offset across the DST changes of Europe/Paris', () => {
    // Clocks go 02:00 → 03:00 on 2026-03-29 and 03:00 → 02:00 on 2026-10-25.
    assert.equal(zonedDayStart('2026-03-29', 'Europe/Paris'), '2026-03-28T23:00:00.000Z');
    assert.equal(zonedDayStart('2026-03-30', 'Europe/Paris'), '2026-03-29T22:00:00.000Z');
    assert.equal(zonedDayStart('2026-10-25', 'Europe/Paris'), '2026-10-24T22:00:00.000Z');
    assert.equal(zonedDayStart('2026-10-26', 'Europe/Paris'), '2026-10-25T23:00:00.000Z');
  });

  it('is the first existing instant where DST skips midnight', () => {
    // America/Santiago springs from 00:00 (-04) to 01:00 (-03) on 2026-09-06: the day starts at 01:00 local.
    assert.equal(zonedDayStart('2026-09-06', 'America/Santiago'), '2026-09-06T04:00:00.000Z');
    assert.equal(zonedDayStart('2026-09-07', 'America/Santiago'), '2026-09-07T03:00:00.000Z');
  });
});

describe('periodWindows', () => {
  it('gives day, ISO week from Monday and month, each resetting at the next local midnight (DST week)', () => {
    // Thursday 2026-03-26 in Paris: the week runs Monday 23rd to Sunday 29th, the night DST starts.
    const [daily, weekly, monthly] = periodWindows('2026-03-26', 'Europe/Paris');
    assert.deepEqual(daily, { period: 'daily', start: '2026-03-26', end: '2026-03-26', resetAt: '2026-03-26T23:00:00.000Z' });
    assert.deepEqual(weekly, { period: 'weekly', start: '2026-03-23', end: '2026-03-29', resetAt: '2026-03-29T22:00:00.000Z' });
    assert.deepEqual(monthly, { period: 'monthly', start: '2026-03-01', end: '2026-03-31', resetAt: '2026-03-31T22:00:00.000Z' });
  });

  it('handles a week that spans two months and a leap February', () => {
    const [, weekly, monthly] = periodWindows('2028-03-01', 'UTC');
    assert.equal(weekly!.start, '2028-02-28');
    assert.equal(monthly!.end, '2028-03-31');
    assert.deepEqual(statusDayRange(periodWindows('2028-03-01', 'UTC')), { from: '2028-02-28', to: '2028-03-31' });
    assert.equal(periodWindows('2028-02-10', 'UTC')[2]!.end, '2028-02-29');
  });
});

describe('budgetStatus', () => {
  const days: DaySpend[] = [
    { day: '2026-03-01', teamNanoUsd: 10_000_000_000, memberNanoUsd: 1_000_000_000 }, // Sunday: previous week
    { day: '2026-03-16', teamNanoUsd: 20_000_000_000, memberNanoUsd: 2_000_000_000 }, // Monday
    { day: '2026-03-18', teamNanoUsd: 75_000_000_000, memberNanoUsd: 9_500_000_000 }, // today
  ];
  const status = budgetStatus({
    team: 'acme',
    member: 'ada',
    timeZone: 'Europe/Paris',
    thresholds: { warnPercent: 70, throttlePercent: 90, stopPercent: 100 },
    budgets: [
      { scope: 'team', member: '', period: 'daily', amountUsd: 100 },
      { scope: 'team', member: '', period: 'monthly', amountUsd: 100 },
      { scope: 'member', member: 'ada', period: 'daily', amountUsd: 10 },
      { scope: 'member', member: 'bob', period: 'weekly', amountUsd: 1 },
    ],
    days,
    // 23:30 UTC on the 17th is already the 18th in Paris.
    now: new Date('2026-03-17T23:30:00Z'),
  });

  it('sums each period from the days in the team zone, exactly', () => {
    const team = Object.fromEntries(status.team.periods.map((p) => [p.period, p]));
    assert.equal(team['daily']!.start, '2026-03-18');
    assert.equal(team['daily']!.spentNanoUsd, 75_000_000_000);
    assert.equal(team['weekly']!.spentNanoUsd, 95_000_000_000);
    assert.equal(team['monthly']!.spentNanoUsd, 105_000_000_000);
    assert.equal(team['monthly']!.spentUsd, 105);
  });

  it('rates each period against its own budget and reports the worst level', () => {
    const level = (e: typeof status.team) => e.periods.map((p) => `${p.period}:${p.level}`).join(' ');
    assert.equal(level(status.team), 'daily:warn weekly:none monthly:stop');
    assert.equal(status.team.level, 'stop');
    assert.equal(level(status.member), 'daily:throttle weekly:none monthly:none');
    assert.equal(status.member.level, 'throttle');
    assert.equal(status.member.periods[0]!.percent, 95);
    assert.equal(status.member.periods[0]!.resetAt, '2026-03-18T23:00:00.000Z');
  });

  it('gives an admin without a member an empty member entity', () => {
    const s = budgetStatus({ team: 't', member: undefined, timeZone: 'UTC', thresholds: { warnPercent: 70, throttlePercent: 90, stopPercent: 100 }, budgets: [], days, now: new Date('2026-03-18T12:00:00Z') });
    assert.deepEqual(s.member, { id: '', periods: [], level: 'none' });
    assert.equal(s.team.level, 'none');
  });
});
