import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { teamBudgetText, teamSyncText } from '../webview/format';
import type { BudgetStatus } from './teamProtocol';
import { endpointOrigin, teamLevel, teamPanelView } from './teamPanelView';

const status: BudgetStatus = {
  team: {
    id: 'platform',
    level: 'throttle',
    periods: [{ period: 'daily', start: '2026-11-23', resetAt: '2026-11-24T00:00:00.000Z', spentNanoUsd: 92e9, spentUsd: 92, limitUsd: 100, percent: 92, level: 'throttle' }],
  },
  member: {
    id: 'ada@example.com',
    level: 'ok',
    periods: [{ period: 'monthly', start: '2026-11-01', resetAt: '2026-12-01T00:00:00.000Z', spentNanoUsd: 5e9, spentUsd: 5, limitUsd: null, percent: null, level: 'none' }],
  },
  timeZone: 'UTC',
  thresholds: { warnPercent: 70, throttlePercent: 90, stopPercent: 100 },
  asOf: '2026-11-23T12:00:00.000Z',
};

describe('team panel view', () => {
  it('is null when team sync is off, and shows only the endpoint origin', () => {
    assert.equal(teamPanelView({ endpoint: '', mode: 'agent-meter', hasToken: true }, undefined), null);
    assert.equal(endpointOrigin('https://meter.example.com:8443/tenant/abc?key=1'), 'https://meter.example.com:8443');
    const view = teamPanelView({ endpoint: 'https://meter.example.com/secret-path', mode: 'agent-meter', hasToken: true }, { state: 'ok', pendingRows: 0, team: status, lastSuccessAt: '2026-11-23T12:00:00Z' })!;
    assert.equal(view.endpoint, 'https://meter.example.com');
    assert.equal(view.team?.id, 'platform');
    assert.equal(teamLevel(view), 'throttle');
  });

  it('says a token is missing before anything else, and ignores budget answers in OTLP mode', () => {
    const noToken = teamPanelView({ endpoint: 'http://127.0.0.1:8787', mode: 'agent-meter', hasToken: false }, { state: 'ok', pendingRows: 3 })!;
    assert.equal(noToken.sync, 'no-token');
    assert.match(teamSyncText(noToken, 'UTC'), /needs a token/);
    const otlp = teamPanelView({ endpoint: 'http://127.0.0.1:4318', mode: 'otlp', hasToken: true }, { state: 'ok', pendingRows: 0, team: status })!;
    assert.equal(otlp.team, null);
    assert.equal(teamLevel(otlp), 'none');
  });

  it('words a failure with what is kept and when the next try is', () => {
    const failed = teamPanelView(
      { endpoint: 'http://127.0.0.1:8787', mode: 'agent-meter', hasToken: true },
      { state: 'retrying', pendingRows: 12, lastError: 'HTTP 503', nextAttemptAt: '2026-11-23T12:05:00Z' },
    )!;
    assert.equal(teamSyncText(failed, 'UTC'), 'Sync with http://127.0.0.1:8787 failed: HTTP 503 — 12 rows kept, next try at 12:05:00.');
    assert.equal(teamBudgetText(status.team.periods[0]!), '$92.00 of $100.00 (92%) — throttle');
    assert.equal(teamBudgetText(status.member.periods[0]!), 'No team budget');
  });
});
