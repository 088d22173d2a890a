// `report --json`'s findings on logs the real Claude Code CLI wrote: the last seven days by default, every session
// of the range when one is given, and the window moving on with the clock.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_THRESHOLDS } from '../../src/core/findings';
import { Ledger } from '../../src/core/ledger';
import { PriceTable } from '../../src/core/pricing';
import { buildReport } from '../../src/core/report';
import { findingsWindowStart } from '../../src/core/reportBudget';
import { reportFindings } from '../../src/core/reportFindings';
import { readAll } from '../../src/node/logReader';
import { sourceRoots } from '../../src/node/sourcePaths';
import { formatReportTable } from '../../src/cli/reportFormat';

describe('report findings', () => {
  it('cover the last seven days unless a range is asked for', async () => {
    const ledger = new Ledger();
    await readAll(sourceRoots({ claudeDirs: [path.join('test', 'fixtures', 'claude-real', 'j-context-creep')], codexDirs: [] }), ledger);
    const prices = new PriceTable();
    const lastAt = [...ledger.records.values()].reduce((a, r) => (r.timestamp > a ? r.timestamp : a), '');
    const soon = new Date(Date.parse(lastAt) + 6 * 86_400_000);
    const later = new Date(Date.parse(lastAt) + 8 * 86_400_000);
    const report = buildReport(ledger, prices, { timeZone: 'UTC' }, soon);
    const recent = reportFindings(ledger, prices, report, DEFAULT_THRESHOLDS, soon, false);
    assert.deepEqual(recent.findings.map((f) => f.kind), ['context-creep']);
    assert.equal(recent.findingsSince, findingsWindowStart(soon, 'UTC'));
    assert.deepEqual(reportFindings(ledger, prices, report, DEFAULT_THRESHOLDS, later, false).findings, [], 'eight days on: out of the window');
    const ranged = reportFindings(ledger, prices, report, DEFAULT_THRESHOLDS, later, true);
    assert.equal(ranged.findings.length, 1);
    assert.equal(ranged.findingsSince, null);
    // The table report lists them after the totals, one line each.
    const table = formatReportTable(report, { findings: recent.findings, since: recent.findingsSince });
    assert.match(table, new RegExp(`Findings \\(sessions active since ${recent.findingsSince}\\)\\n`));
    assert.match(table, /critical {2}context-creep {2}.*\$0\.40 {2}Context at 86% of the window/);
    assert.match(formatReportTable(report, { findings: [], since: null }), /\nFindings: none\n/);
  });

  it('the window is today and the six days before, in the report\'s zone', () => {
    assert.equal(findingsWindowStart(new Date('2026-11-23T12:00:00Z'), 'UTC'), '2026-11-17');
    assert.equal(findingsWindowStart(new Date('2026-11-23T23:30:00Z'), 'Asia/Tokyo'), '2026-11-18');
  });
});
