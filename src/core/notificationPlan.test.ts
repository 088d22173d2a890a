import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from './findings';
import {
  FORGET_AFTER_MS,
  MAX_PER_PASS,
  SNOOZE_MS,
  budgetSubject,
  emptyMemory,
  findingsTooltipLines,
  isSnoozed,
  periodKey,
  planNotifications,
  readMemory,
  snooze,
  surfacedFindings,
  type AlertMemory,
  type PlanInput,
} from './notificationPlan';
import type { PeriodLine } from './panelProtocol';

const NOW = new Date('2026-11-23T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: 'retry-loop:s1::12',
    kind: 'retry-loop',
    pattern: 'failing-command',
    sessionId: 's1-aaaaaaaa',
    thread: '',
    severity: 'warning',
    usdAtStake: 0.42,
    summary: 'Same Bash command failed 4 times in a row',
    evidence: ['requests 12–17 ran `npm test` (fingerprint 1a2b) and it failed each time.'],
    action: 'Fix the failing test by hand, then /clear',
    turns: [12, 13, 14, 15, 16, 17],
    firstAt: minutesAgo(12),
    lastAt: minutesAgo(5),
    ...over,
  };
}

function line(over: Partial<PeriodLine> = {}): PeriodLine {
  return {
    id: 'month',
    label: 'This month',
    from: '2026-11-01',
    to: '2026-11-23',
    costUsd: 92.1,
    requests: 400,
    budgetUsd: 100,
    percent: 92.1,
    level: 'throttle',
    forecastUsd: 130,
    projectedToExceed: true,
    ...over,
  };
}

function plan(over: Partial<PlanInput> = {}) {
  return planNotifications({ findings: [], lines: [], memory: emptyMemory(), now: NOW, enabled: true, sessionName: (id) => `app · ${id.slice(0, 8)}`, ...over });
}

describe('notification plan: budgets', () => {
  it('keys a line by its period, e.g. month:2026-11:throttle, and shows a throttle as a warning', () => {
    const r = plan({ lines: [line()] });
    assert.deepEqual(r.show.map((n) => [n.key, n.level]), [['month:2026-11:throttle', 'warning']]);
    assert.match(r.show[0]!.message, /Monthly budget at 92% \(\$92\.10 of \$100\.00\), the throttle level\. At this pace it reaches \$130\.00 by the end of the month\./);
    // warn is marked as said too (a line first seen at throttle does not announce warn later); stop is not.
    assert.ok(r.memory.notified['month:2026-11:warn'] && r.memory.notified['month:2026-11:throttle']);
    assert.equal(r.memory.notified['month:2026-11:stop'], undefined);
  });

  it('says each level once: the same state again is silent, a higher level speaks, a new period speaks again', () => {
    const first = plan({ lines: [line()] });
    assert.equal(plan({ lines: [line()], memory: first.memory }).show.length, 0);
    const stop = plan({ lines: [line({ level: 'stop', costUsd: 101, percent: 101, projectedToExceed: false })], memory: first.memory });
    assert.deepEqual(stop.show.map((n) => [n.key, n.level]), [['month:2026-11:stop', 'error']]);
    assert.match(stop.show[0]!.message, /used up/);
    const december = plan({ lines: [line({ from: '2026-12-01', to: '2026-12-02' })], memory: stop.memory, now: new Date('2026-12-02T10:00:00Z') });
    assert.deepEqual(december.show.map((n) => n.key), ['month:2026-12:throttle']);
  });

  it('warns of "projected to exceed" once per period, as information, when no level is new', () => {
    const ok = line({ id: 'today', label: 'Today', from: '2026-11-23', costUsd: 3, budgetUsd: 10, percent: 30, level: 'ok', forecastUsd: 12.5, projectedToExceed: true });
    const r = plan({ lines: [ok] });
    assert.deepEqual(r.show.map((n) => [n.key, n.level]), [['today:2026-11-23:projected', 'info']]);
    assert.match(r.show[0]!.message, /^At the current pace today's spend reaches \$12\.50 by the end of the day, over the \$10\.00 daily budget\.$/);
    assert.equal(plan({ lines: [ok], memory: r.memory }).show.length, 0);
  });

  it('skips lines without a budget, and a session budget names its session for "Open Panel"', () => {
    const none = line({ budgetUsd: null, percent: null, level: 'none' });
    const session = line({ id: 'session', label: 'This session', from: '2026-11-23', sessionId: 'sess-1', level: 'warn', percent: 75, costUsd: 7.5, budgetUsd: 10, forecastUsd: null, projectedToExceed: false });
    const r = plan({ lines: [none, session] });
    assert.deepEqual(r.show.map((n) => [n.key, n.level, n.sessionId]), [['session:sess-1:warn', 'info', 'sess-1']]);
  });

  it('a snoozed line is silent until the snooze ends, then speaks', () => {
    const subject = budgetSubject(line());
    const memory = snooze(emptyMemory(), subject, NOW);
    assert.equal(plan({ lines: [line()], memory }).show.length, 0);
    const later = new Date(NOW.getTime() + SNOOZE_MS + 1000);
    assert.deepEqual(plan({ lines: [line()], memory, now: later }).show.map((n) => n.key), ['month:2026-11:throttle']);
  });
});

describe('notification plan: findings', () => {
  it('a fresh retry loop speaks once per (id, severity), as a warning naming the session and the requests', () => {
    const f = finding();
    const r = plan({ findings: [f] });
    assert.equal(r.show.length, 1);
    assert.equal(r.show[0]!.key, 'finding:retry-loop:s1::12:warning');
    assert.equal(r.show[0]!.level, 'warning');
    assert.equal(r.show[0]!.sessionId, 's1-aaaaaaaa');
    assert.match(r.show[0]!.message, /^Same Bash command failed 4 times in a row\. \$0\.42 at stake in app · s1-aaaaa \(requests 12–17\)\. Fix the failing test/);
    assert.equal(plan({ findings: [f], memory: r.memory }).show.length, 0);
    const worse = plan({ findings: [finding({ severity: 'critical' })], memory: r.memory });
    assert.deepEqual(worse.show.map((n) => n.key), ['finding:retry-loop:s1::12:critical']);
  });

  it('a warning context creep or cache churn is not notified; a critical one is', () => {
    const creep = finding({ id: 'context-creep:s1:0', kind: 'context-creep', pattern: undefined });
    const churn = finding({ id: 'cache-churn:s1::3', kind: 'cache-churn', pattern: undefined });
    assert.equal(plan({ findings: [creep, churn] }).show.length, 0);
    assert.deepEqual(plan({ findings: [{ ...creep, severity: 'critical' }] }).show.map((n) => n.key), ['finding:context-creep:s1:0:critical']);
    assert.equal(plan({ findings: [finding({ id: 'runaway-burn:x', kind: 'runaway-burn', turns: [] })] }).show.length, 1);
  });

  it('history is not news: a finding whose last request is 30 minutes old or more is never notified (and not marked)', () => {
    const old = finding({ lastAt: minutesAgo(31) });
    const r = plan({ findings: [old] });
    assert.equal(r.show.length, 0);
    assert.deepEqual(r.memory.notified, {});
    assert.equal(plan({ findings: [finding({ lastAt: minutesAgo(29) })] }).show.length, 1);
  });

  it('a snoozed finding is silent', () => {
    const memory = snooze(emptyMemory(), 'finding:retry-loop:s1::12', NOW);
    assert.equal(plan({ findings: [finding()], memory }).show.length, 0);
  });

  it('disabled: nothing shown and nothing marked', () => {
    const r = plan({ findings: [finding()], lines: [line()], enabled: false });
    assert.deepEqual(r.show, []);
    assert.deepEqual(r.memory.notified, {});
  });
});

describe('notification plan: a busy pass', () => {
  it('shows the loudest first, folds the rest into one summary toast, and marks them all', () => {
    const findings = [1, 2, 3].map((i) => finding({ id: `retry-loop:s${i}`, usdAtStake: i }));
    const stop = line({ id: 'today', from: '2026-11-23', level: 'stop', percent: 120, costUsd: 12, budgetUsd: 10, projectedToExceed: false });
    const r = plan({ findings, lines: [stop] });
    assert.equal(r.show.length, MAX_PER_PASS);
    assert.deepEqual(r.show.slice(0, 2).map((n) => n.key), ['today:2026-11-23:stop', 'finding:retry-loop:s3:warning']);
    assert.equal(r.show[2]!.key, '');
    assert.match(r.show[2]!.message, /2 more budget alerts and findings/);
    assert.equal(r.show[2]!.level, 'warning');
    assert.equal(plan({ findings, lines: [stop], memory: r.memory }).show.length, 0);
  });
});

describe('alert memory', () => {
  it('reads what globalState holds, or starts empty on garbage', () => {
    assert.deepEqual(readMemory(undefined), emptyMemory());
    assert.deepEqual(readMemory({ notified: 'x' }), emptyMemory());
    assert.deepEqual(readMemory({ notified: { a: '2026-11-01T00:00:00Z' } }), { notified: { a: '2026-11-01T00:00:00Z' }, snoozed: {} });
  });

  it('snoozes for 24 hours and forgets expired snoozes and long-past keys', () => {
    const m = snooze(emptyMemory(), 'finding:x', NOW);
    assert.ok(isSnoozed(m, 'finding:x', new Date(NOW.getTime() + SNOOZE_MS - 1)));
    assert.ok(!isSnoozed(m, 'finding:x', new Date(NOW.getTime() + SNOOZE_MS)));
    const old: AlertMemory = { notified: { 'month:2026-09:warn': new Date(NOW.getTime() - FORGET_AFTER_MS - 1).toISOString(), 'month:2026-11:warn': NOW.toISOString() }, snoozed: m.snoozed };
    const r = plan({ memory: old, now: new Date(NOW.getTime() + SNOOZE_MS + 1) });
    assert.deepEqual(Object.keys(r.memory.notified), ['month:2026-11:warn']);
    assert.deepEqual(r.memory.snoozed, {});
  });

  it('names periods: the day, the week\'s Monday, the month, the session', () => {
    assert.equal(periodKey({ id: 'today', from: '2026-11-23' }), '2026-11-23');
    assert.equal(periodKey({ id: 'week', from: '2026-11-23' }), '2026-11-23');
    assert.equal(periodKey({ id: 'month', from: '2026-11-01' }), '2026-11');
    assert.equal(periodKey({ id: 'session', from: '2026-11-23', sessionId: 'abc' }), 'abc');
  });
});

describe('surfaced findings', () => {
  it('live plus the selected session\'s, each id once, snoozed ones out, most severe first', () => {
    const live = [finding({ id: 'a', usdAtStake: 1 }), finding({ id: 'b', severity: 'critical', usdAtStake: 0.1 })];
    const selected = [finding({ id: 'a', usdAtStake: 9 }), finding({ id: 'old', sessionId: 'old-session', lastAt: '2026-10-01T00:00:00Z', usdAtStake: 2 })];
    const shown = surfacedFindings(live, selected, snooze(emptyMemory(), 'finding:b', NOW), NOW);
    assert.deepEqual(shown.map((f) => [f.id, f.usdAtStake]), [['old', 2], ['a', 1]]);
  });

  it('drops a selected-session runaway burn that overlaps a live (all-sessions) burn, keeps one that does not', () => {
    const liveBurn = finding({ id: 'runaway-burn:t1', kind: 'runaway-burn', firstAt: minutesAgo(40), lastAt: minutesAgo(10) });
    const same = finding({ id: 'runaway-burn:t2', kind: 'runaway-burn', firstAt: minutesAgo(30), lastAt: minutesAgo(10) });
    const earlier = finding({ id: 'runaway-burn:t0', kind: 'runaway-burn', firstAt: minutesAgo(300), lastAt: minutesAgo(280) });
    assert.deepEqual(surfacedFindings([liveBurn], [same, earlier], emptyMemory(), NOW).map((f) => f.id).sort(), ['runaway-burn:t0', 'runaway-burn:t1']);
  });
});

describe('status bar tooltip lines', () => {
  it('lists up to three findings with severity icon, summary, dollars and session, then a count of the rest', () => {
    const fs = [finding({ severity: 'critical', summary: 'Context at 85% (x)' }), finding(), finding(), finding()];
    const lines = findingsTooltipLines(fs, (id) => `app · ${id.slice(0, 8)}`).filter(Boolean);
    assert.equal(lines[0], '**Findings** (4)');
    assert.equal(lines[1], '$(error) Context at 85% \\(x\\) — **$0\\.42** at stake · app · s1\\-aaaaa');
    assert.ok(lines[2]!.startsWith('$(warning) Same Bash command'));
    assert.equal(lines.length, 5);
    assert.equal(lines[4], '…and 1 more in the budget panel');
    assert.deepEqual(findingsTooltipLines([], () => ''), []);
  });
});
