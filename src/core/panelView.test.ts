import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { assistantLine } from '../../test/helpers/logLines';
import { addDays, daysInMonth, isValidTimeZone, localDate, localDateMemo, minutesIntoDay, monthStart, weekStart } from './calendar';
import { budgetStanding, worstLevel } from './budget';
import { Ledger } from './ledger';
import { LiveTotals } from './liveTotals';
import { buildPanelSnapshot, type PanelInput } from './panelView';
import { buildReport } from './report';
import { PriceTable } from './pricing';
import { createClaudeFileParser } from './sources/claudeCode';

const prices = new PriceTable();
const budgets = { session: null, daily: 1, weekly: null, monthly: 10, warnPercent: 70, throttlePercent: 90, stopPercent: 100 };

function line(o: { id: string; session: string; at: string; input: number; output: number; agent?: string; cwd?: string; branch?: string; model?: string }): string {
  return assistantLine({
    id: o.id, requestId: `r_${o.id}`, sessionId: o.session, timestamp: o.at, sidechain: o.agent, model: o.model,
    usage: { input_tokens: o.input, output_tokens: o.output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    extra: { cwd: o.cwd ?? '/home/dev/demo', gitBranch: o.branch ?? 'main' },
  });
}

function inputOf(lines: string[], over: Partial<PanelInput> = {}): PanelInput {
  const ledger = new Ledger();
  const live = new LiveTotals(ledger, prices, 'UTC');
  const parser = createClaudeFileParser('f.jsonl');
  for (const l of lines) ledger.add('f.jsonl', parser.parseLine(l));
  return { ledger, live, prices, budgets, state: { sessionId: null, range: 'month' }, now: new Date('2026-11-25T12:00:00Z'), scanning: false, warnings: [], ...over };
}

// $3/M input, $15/M output (sonnet 4.5): 100k input = $0.30, 10k output = $0.15
const lines = [
  line({ id: 'a1', session: 'sess-A', at: '2026-11-25T11:30:00Z', input: 100_000, output: 0 }), // $0.30 today, in the burn window
  line({ id: 'a2', session: 'sess-A', at: '2026-11-25T11:40:00Z', input: 150_000, output: 10_000, agent: 'agent-1' }), // $0.60 subagent
  line({ id: 'a3', session: 'sess-A', at: '2026-11-25T11:45:00Z', input: 120_000, output: 0 }), // $0.36
  line({ id: 'b1', session: 'sess-B', at: '2026-11-24T09:00:00Z', input: 0, output: 200_000, cwd: '/home/dev/other', branch: 'feat/x' }), // $3.00 this week (Tue 24th; week from Mon 23rd)
  line({ id: 'c1', session: 'sess-C', at: '2026-11-02T09:00:00Z', input: 0, output: 100_000, cwd: '/home/dev/other' }), // $1.50 this month, last week
  line({ id: 'd1', session: 'sess-D', at: '2026-10-30T09:00:00Z', input: 0, output: 100_000 }), // $1.50 last month
];

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≠ ${b}`);

describe('panel snapshot', () => {
  it('sums today, this week and this month against their budgets', () => {
    const s = buildPanelSnapshot(inputOf(lines));
    const [today, week, month] = s.periods;
    close(today!.costUsd, 1.26);
    assert.equal(today!.requests, 3);
    assert.equal(today!.level, 'stop'); // $1.26 of $1
    close(week!.costUsd, 4.26);
    assert.equal(week!.from, '2026-11-23');
    assert.equal(week!.level, 'none');
    close(month!.costUsd, 5.76);
    assert.equal(month!.level, 'ok');
    close(month!.percent!, 57.6);
  });

  it('computes the burn rate over the last hour and linear forecasts', () => {
    const s = buildPanelSnapshot(inputOf(lines));
    close(s.burn.usdPerHour, 1.26); // all three of today's requests fall in 11:00–12:00
    close(s.burn.endOfDayUsd, 1.26 + 1.26 * 12); // noon: 12 hours left at $1.26/h
    // The rest of today at the hourly pace, then the average of the 24 earlier days for the 5 days left after the 25th.
    close(s.burn.endOfMonthUsd, 5.76 + 1.26 * 12 + ((5.76 - 1.26) / 24) * 5);
  });

  it('follows the selected session turn by turn, subagent cost apart', () => {
    const s = buildPanelSnapshot(inputOf(lines, { state: { sessionId: 'sess-A', range: 'month' } }));
    const session = s.session!;
    assert.equal(session.sessionId, 'sess-A');
    assert.deepEqual(session.turns.map((t) => t.contextTokens), [100_000, 120_000]);
    close(session.turns[1]!.cumulativeUsd, 1.26);
    close(session.subagentUsd, 0.6);
    assert.equal(session.contextWindow, 200_000);
    assert.equal(session.contextTokens, 120_000);
  });

  it('defaults to the most recently updated session and lists choices newest first', () => {
    const s = buildPanelSnapshot(inputOf(lines));
    assert.equal(s.session?.sessionId, 'sess-A');
    assert.equal(s.following, true);
    assert.equal(buildPanelSnapshot(inputOf(lines, { state: { sessionId: 'sess-C', range: 'month' } })).following, false);
    const gone = buildPanelSnapshot(inputOf(lines, { state: { sessionId: 'sess-gone', range: 'month' } }));
    assert.equal(gone.following, true);
    assert.equal(gone.session?.sessionId, 'sess-A');
    assert.deepEqual(s.sessionChoices.map((c) => c.sessionId), ['sess-A', 'sess-B', 'sess-C', 'sess-D']);
    assert.equal(s.sessionChoices[0]!.label, 'demo · sess-A · $1.26');
  });

  it('builds the tables for the chosen range only', () => {
    const week = buildPanelSnapshot(inputOf(lines, { state: { sessionId: null, range: 'week' } })).tables;
    assert.deepEqual(week.sessions.map((r) => r.key), ['sess-B', 'sess-A']);
    close(week.sessions[0]!.share, 3 / 4.26);
    assert.deepEqual(week.projects.map((r) => [r.label, r.requests]), [['other', 1], ['demo', 3]]);
    assert.deepEqual(week.branches.map((r) => r.key), ['feat/x', 'main']);
    assert.deepEqual(week.agents.map((r) => [r.label, r.requests]), [['Claude Code', 4]]);
    const all = buildPanelSnapshot(inputOf(lines, { state: { sessionId: null, range: 'all' } })).tables;
    assert.equal(all.sessions.length, 4);
    const today = buildPanelSnapshot(inputOf(lines, { state: { sessionId: null, range: 'today' } })).tables;
    assert.deepEqual(today.sessions.map((r) => r.key), ['sess-A']);
  });

  it('reports unpriced models and rejected lines in the data-quality line', () => {
    const input = inputOf([...lines, line({ id: 'u1', session: 'sess-A', at: '2026-11-25T11:50:00Z', input: 10, output: 10, model: 'claude-sonnet-5-5' })]);
    input.ledger.add('f.jsonl', { kind: 'rejected', reason: 'invalid-json' });
    const s = buildPanelSnapshot(input);
    assert.deepEqual(s.dataQuality.unpricedModels, ['claude-sonnet-5-5']);
    assert.equal(s.dataQuality.rejectedLines, 1);
    assert.deepEqual(s.dataQuality.rejected, { 'invalid-json': 1 });
    assert.deepEqual(s.tables.models.find((m) => m.key === 'claude-sonnet-5-5')?.detail, 'unpriced');
  });
});

describe('calendar and budgets', () => {
  it('finds weeks (from Monday), months and day offsets', () => {
    assert.equal(weekStart('2026-11-23'), '2026-11-23'); // a Monday
    assert.equal(weekStart('2026-11-22'), '2026-11-16'); // a Sunday
    assert.equal(monthStart('2026-11-23'), '2026-11-01');
    assert.equal(daysInMonth('2028-02-10'), 29);
    assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  });

  it('knows time zones, and UTC without Intl (whose first use costs ~20 ms of every run)', () => {
    const intl = mock.method(Intl, 'DateTimeFormat');
    try {
      for (const z of ['UTC', 'Etc/UTC', 'GMT']) assert.equal(isValidTimeZone(z), true, z);
      assert.equal(intl.mock.callCount(), 0);
      assert.equal(isValidTimeZone('Europe/Paris'), true);
      assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
      assert.ok(intl.mock.callCount() >= 2);
    } finally {
      intl.mock.restore();
    }
  });

  it('tells local time of day and dates across zones', () => {
    assert.equal(minutesIntoDay('2026-11-23T12:30:00Z', 'UTC'), 750);
    assert.equal(minutesIntoDay('2026-11-23T12:30:00Z', 'Asia/Kolkata'), 18 * 60);
    const memo = localDateMemo('America/Los_Angeles');
    assert.equal(memo('2026-11-23T05:00:00.000Z'), '2026-11-22');
    assert.equal(memo('2026-11-23T05:00:59.999Z'), '2026-11-22');
    assert.equal(memo('2026-11-23T09:00:00.000Z'), '2026-11-23');
  });

  it('memoised local dates agree with the direct ones every minute, in odd offsets and across DST changes', () => {
    // Quarter-hour offsets (Kathmandu +5:45, Chatham +12:45/+13:45), half-hour ones (St John's, Lord Howe's
    // 30-minute DST), and zones whose DST ends or starts in the ranges walked.
    const cases: [string, string][] = [
      ['Asia/Kathmandu', '2026-11-22T17:00:00Z'],
      ['Pacific/Chatham', '2026-04-04T10:00:00Z'],
      ['America/St_Johns', '2026-11-01T02:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T13:00:00Z'],
      ['Europe/Paris', '2026-10-24T21:00:00Z'],
      ['America/Los_Angeles', '2026-03-08T07:00:00Z'],
    ];
    for (const [zone, from] of cases) {
      const memo = localDateMemo(zone);
      const start = Date.parse(from);
      // 30 hours minute by minute, each minute's first and last millisecond.
      for (let m = 0; m < 30 * 60; m++) {
        for (const ms of [0, 59_999]) {
          const iso = new Date(start + m * 60_000 + ms).toISOString();
          assert.equal(memo(iso), localDate(iso, zone), `${zone} ${iso}`);
        }
      }
    }
  });

  it('places spend at ok / warn / throttle / stop', () => {
    const t = { warnPercent: 70, throttlePercent: 90, stopPercent: 100 };
    assert.deepEqual(budgetStanding(5, null, t), { percent: null, level: 'none' });
    assert.equal(budgetStanding(6.99, 10, t).level, 'ok');
    assert.equal(budgetStanding(7, 10, t).level, 'warn');
    assert.equal(budgetStanding(9, 10, t).level, 'throttle');
    assert.equal(budgetStanding(10, 10, t).level, 'stop');
    assert.equal(worstLevel(['ok', 'stop', 'warn']), 'stop');
    assert.equal(worstLevel([]), 'none');
  });
});

describe('panel tables against the report', () => {
  it('equal the report\'s sessions and models after copies replace smaller ones and a file is dropped', () => {
    const small = (id: string, session: string) => line({ id, session, at: '2026-11-25T10:00:00Z', input: 100, output: 10 });
    const big = (id: string, session: string) => line({ id, session, at: '2026-11-25T10:00:00Z', input: 5000, output: 700 });
    const input = inputOf([small('x1', 'sess-X'), small('x2', 'sess-X'), small('y1', 'sess-Y')], { state: { sessionId: null, range: 'all' } });
    const parser = createClaudeFileParser('g.jsonl');
    // A later copy with more usage replaces the counted one (the stream's final numbers), in another file.
    for (const l of [big('x1', 'sess-X'), big('y1', 'sess-Y'), line({ id: 'z1', session: 'sess-Z', at: '2026-11-24T10:00:00Z', input: 9, output: 9, model: 'claude-haiku-4-5-20251001' })]) {
      input.ledger.add('g.jsonl', parser.parseLine(l));
    }
    const check = () => {
      const s = buildPanelSnapshot(input);
      const r = buildReport(input.ledger, prices, {}, input.now);
      const bySession = new Map(r.sessions.map((x) => [x.sessionId, x]));
      assert.equal(s.tables.sessions.length, r.sessions.length);
      for (const row of s.tables.sessions) {
        close(row.costUsd, bySession.get(row.key)!.costUsd);
        assert.deepEqual(row.tokens, bySession.get(row.key)!.tokens);
        assert.equal(row.requests, bySession.get(row.key)!.requests);
      }
      assert.deepEqual(s.tables.models.map((m) => [m.key, m.requests]).sort(), r.models.map((m) => [m.model, m.requests]).sort());
    };
    check();
    input.ledger.resetFile('g.jsonl'); // the bigger copies go; the smaller ones count again
    check();
  });
});
