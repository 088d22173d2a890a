// What `report --json` adds to the report: the findings of the sessions the report covers, and the spend of its
// last day that reportBudget.ts turns into a burn rate. Both depend on the logs only, so they are cached with the
// report view. Pure.
import type { Finding, FindingThresholds } from './findings';
import { findingsOf } from './findingsView';
import type { Ledger } from './ledger';
import { costOf, type PriceTable } from './pricing';
import type { Report } from './report';
import { findingsWindowStart } from './reportBudget';
import { localDate } from './calendar';

export interface ReportFindings {
  findings: Finding[];
  /** The findings cover sessions with a request on or after this local day (YYYY-MM-DD); null = every session reported. */
  findingsSince: string | null;
  /** Requests of the last 24 hours before the newest one (time, USD): the budget's burn rate at print time. */
  recentSpend: { at: string; usd: number }[];
}

const RECENT_MS = 24 * 3_600_000;

/**
 * `ranged`: the report was asked for a date range, and its findings cover every session in it. Otherwise they cover
 * the last REPORT_FINDINGS_DAYS (findings are about what is happening; the detectors cost a pass over every request
 * of the sessions they look at, ~0.5 s for 100,000 requests).
 */
export function reportFindings(ledger: Ledger, prices: PriceTable, r: Report, t: FindingThresholds, now: Date, ranged: boolean): ReportFindings {
  const findingsSince = ranged ? null : findingsWindowStart(now, r.timeZone);
  const ids = new Set(r.sessions.filter((s) => findingsSince === null || localDate(s.lastAt, r.timeZone) >= findingsSince).map((s) => s.sessionId));
  const findings = ids.size ? findingsOf(ledger, prices, t, ids) : [];
  const newest = r.sessions.reduce((a, s) => (s.lastAt > a ? s.lastAt : a), '');
  const since = newest ? new Date(Date.parse(newest) - RECENT_MS).toISOString() : '';
  const recent = new Set(r.sessions.filter((s) => s.lastAt >= since).map((s) => s.sessionId));
  const recentSpend: { at: string; usd: number }[] = [];
  if (recent.size) {
    for (const [, rec] of ledger.recordsOfSessions(recent)) {
      if (rec.timestamp < since) continue;
      const resolved = prices.resolve(rec.model, rec.timestamp, rec.agent);
      if (resolved) recentSpend.push({ at: rec.timestamp, usd: costOf(rec.tokens, rec.webSearchRequests, resolved.row, rec.fast) });
    }
  }
  return { findings, findingsSince, recentSpend };
}
