import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PeriodLine } from '../core/panelProtocol';
import { budgetBarLabel, forecastBarPercent, forecastText, guardText } from './budgetText';

function line(over: Partial<PeriodLine>): PeriodLine {
  return { id: 'month', label: 'This month', from: '2026-11-01', to: '2026-11-23', costUsd: 92.1, requests: 400, budgetUsd: 100, percent: 92.1, level: 'throttle', forecastUsd: 130, projectedToExceed: true, ...over };
}

test('forecastText names the period\'s end, and says nothing for a session', () => {
  assert.equal(forecastText(line({})), 'Forecast $130.00 at month end');
  assert.equal(forecastText(line({ id: 'today', forecastUsd: 4.5 })), 'Forecast $4.50 at end of day');
  assert.equal(forecastText(line({ id: 'week', forecastUsd: 0 })), 'Forecast $0.00 at week end');
  assert.equal(forecastText(line({ id: 'session', forecastUsd: null })), '');
});

test('forecastBarPercent places the forecast on the budget\'s scale, clamped, only when it is above the spend', () => {
  assert.equal(forecastBarPercent(line({})), 100);
  assert.equal(forecastBarPercent(line({ costUsd: 20, forecastUsd: 45 })), 45);
  assert.equal(forecastBarPercent(line({ costUsd: 20, forecastUsd: 20 })), null);
  assert.equal(forecastBarPercent(line({ budgetUsd: null })), null);
  assert.equal(forecastBarPercent(line({ forecastUsd: null })), null);
});

test('budgetBarLabel says the spend and the forecast in percent of the budget', () => {
  assert.equal(budgetBarLabel(line({})), 'Spent 92% of the budget, forecast 130%');
  assert.equal(budgetBarLabel(line({ forecastUsd: null })), 'Spent 92% of the budget');
  assert.equal(budgetBarLabel(line({ budgetUsd: null })), '');
});

test('guardText: state and reason, or that no budget is set', () => {
  assert.equal(guardText({ state: 'throttle', reason: 'Monthly budget at 92% ($92.10 of $100.00)' }), 'Guard: throttle — Monthly budget at 92% ($92.10 of $100.00)');
  assert.equal(guardText({ state: 'ok', reason: '' }), 'Guard: ok — no budget set');
  assert.equal(
    guardText({ state: 'stop', reason: 'Agent Meter: daily budget at 490% ($2.45 of $0.50). Raise agentMeter.budgets.daily or wait until tomorrow.' }),
    'Guard: stop — Daily budget at 490% ($2.45 of $0.50). Raise agentMeter.budgets.daily or wait until tomorrow.',
  );
});
