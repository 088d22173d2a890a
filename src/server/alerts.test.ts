import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossedThresholds, isWebhookUrl } from './alerts';
import { budgetStatus } from './budgetPeriods';

describe('crossedThresholds', () => {
  const status = budgetStatus({
    team: 'acme',
    member: 'ada',
    timeZone: 'UTC',
    thresholds: { warnPercent: 50, throttlePercent: 80, stopPercent: 100 },
    budgets: [
      { scope: 'team', member: '', period: 'monthly', amountUsd: 100 },
      { scope: 'member', member: 'ada', period: 'daily', amountUsd: 10 },
    ],
    days: [{ day: '2026-03-18', teamNanoUsd: 85_000_000_000, memberNanoUsd: 12_000_000_000 }],
    now: new Date('2026-03-18T12:00:00Z'),
  });

  it('lists every threshold at or past, per entity and period, with the event names', () => {
    const alerts = crossedThresholds(status);
    assert.deepEqual(
      alerts.map((a) => `${a.scope}:${a.member ?? '-'}:${a.period}:${a.level}:${a.event}:${a.thresholdPercent}`),
      [
        'team:-:monthly:warn:threshold_crossed:50',
        'team:-:monthly:throttle:threshold_crossed:80',
        'member:ada:daily:warn:threshold_crossed:50',
        'member:ada:daily:throttle:threshold_crossed:80',
        'member:ada:daily:stop:budget_crossed:100',
      ],
    );
    const stop = alerts[4]!;
    assert.equal(stop.periodStart, '2026-03-18');
    assert.equal(stop.spentUsd, 12);
    assert.equal(stop.limitUsd, 10);
    assert.equal(stop.team, 'acme');
    assert.equal(stop.at, '2026-03-18T12:00:00.000Z');
    assert.equal('member' in alerts[0]!, false);
  });

  it('accepts only http(s) webhook URLs', () => {
    assert.equal(isWebhookUrl('https://hooks.example.com/x'), true);
    assert.equal(isWebhookUrl('http://127.0.0.1:9/x'), true);
    assert.equal(isWebhookUrl('file:///etc/passwd'), false);
    assert.equal(isWebhookUrl('javascript:alert(1)'), false);
    assert.equal(isWebhookUrl('not a url'), false);
  });
});
