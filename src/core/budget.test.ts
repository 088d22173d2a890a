import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetSummary } from './budget';
import { periodLines, type PanelBudgets } from './periods';

const none: PanelBudgets = { session: null, daily: null, weekly: null, monthly: null, warnPercent: 70, throttlePercent: 90, stopPercent: 100 };
// Wednesday 2026-11-25 at 12:00: $6 spent today, $4 on Monday, $10 earlier in the month; $1/hour right now.
const days = new Map([
  ['2026-11-10', { costUsd: 10, requests: 5 }],
  ['2026-11-23', { costUsd: 4, requests: 2 }],
  ['2026-11-25', { costUsd: 6, requests: 3 }],
]);
const clock = { today: '2026-11-25', minutesIntoDay: 720, usdPerHour: 1 };
const session = { sessionId: 'sess-1', label: 'app · sess-1', costUsd: 2.5, requests: 3, firstDay: '2026-11-25', lastDay: '2026-11-25' };

describe('budget lines', () => {
  it('forecast: the rest of today at the hourly pace, then the average of the earlier days of the period', () => {
    const [today, week, month] = periodLines(days, none, clock, session);
    assert.equal(today!.forecastUsd, 6 + 12);
    // Week from Monday 23rd: 2 earlier days ($4 on them), 4 days left after today (Thursday to Sunday the 29th).
    assert.equal(week!.from, '2026-11-23');
    assert.equal(week!.forecastUsd, 10 + 12 + (4 / 2) * 4);
    // Month: 24 earlier days ($14), 5 days left after the 25th.
    assert.equal(month!.forecastUsd, 20 + 12 + (14 / 24) * 5);
  });

  it('a session line only with a session budget; "projected to exceed" while below stop', () => {
    assert.equal(periodLines(days, none, clock, session).length, 3);
    const lines = periodLines(days, { ...none, session: 5, daily: 15 }, clock, session);
    assert.deepEqual(lines.map((l) => l.id), ['session', 'today', 'week', 'month']);
    assert.equal(lines[0]!.sessionId, 'sess-1');
    assert.equal(lines[0]!.level, 'ok');
    assert.equal(lines[0]!.forecastUsd, null);
    assert.equal(lines[1]!.level, 'ok', '$6 of $15 is 40%');
    assert.equal(lines[1]!.projectedToExceed, true, '$18 forecast against $15');
    const stopped = periodLines(days, { ...none, daily: 5 }, clock);
    assert.equal(stopped[0]!.level, 'stop');
    assert.equal(stopped[0]!.projectedToExceed, false, 'already stopped: nothing to project');
  });
});

describe('the guard state', () => {
  it('is the worst line, with the way out when it stops', () => {
    const lines = periodLines(days, { ...none, daily: 8, monthly: 21 }, clock);
    // Today 75% (warn), month 95% (throttle).
    assert.deepEqual(budgetSummary(lines), { state: 'throttle', reason: 'Agent Meter: monthly budget at 95% ($20.00 of $21.00).' });
    const stop = budgetSummary(periodLines(days, { ...none, daily: 6, monthly: 20 }, clock));
    assert.equal(stop.state, 'stop');
    assert.equal(stop.reason, 'Agent Meter: monthly budget at 100% ($20.00 of $20.00). Raise agentMeter.budgets.monthly or wait until the month is over.', 'a tie goes to the longer period');
  });

  it('names the session when a session budget decides, and not otherwise', () => {
    const bySession = budgetSummary(periodLines(days, { ...none, session: 2 }, clock, session));
    assert.equal(bySession.state, 'stop');
    assert.equal(bySession.sessionId, 'sess-1');
    const byDay = budgetSummary(periodLines(days, { ...none, session: 2, daily: 5 }, clock, session));
    assert.equal(byDay.sessionId, undefined);
  });

  it('folds in the team server\'s answer; ok says when a budget is projected to be exceeded', () => {
    const team = [{ who: 'team', period: 'monthly', spentUsd: 950, limitUsd: 1000, percent: 95, level: 'throttle' as const }];
    assert.equal(budgetSummary(periodLines(days, none, clock), team).reason, "Agent Meter: the team's monthly budget at 95% ($950.00 of $1000.00).");
    const ok = budgetSummary(periodLines(days, { ...none, daily: 15 }, clock));
    assert.deepEqual(ok, { state: 'ok', reason: 'Agent Meter: daily budget projected to reach $18.00 of $15.00' });
    assert.deepEqual(budgetSummary(periodLines(days, none, clock)), { state: 'ok', reason: '' });
  });
});
