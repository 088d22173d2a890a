// What `report --json` adds to the report: the findings of the sessions the report covers, and the spend of its
// last day that reportBudget.ts turns into a burn rate. Both depend on the logs only, so they are cached with the
// report view. Pure.
import type { Finding, FindingThresholds } from './findings';
import { findingsOf } from './findingsView';
import type { Ledger } from './ledger';
import { costOf, type PriceTable } from './pricing';
import type { Report } from './report';

export interface ReportFindings {
  findings: Finding[];
  /** Requests of the last 24 hours before the newest one (time, USD): the budget's burn rate at print time. */
  recentSpend: { at: string; usd: number }[];
}

const RECENT_MS = 24 * 3_600_000;

export function reportFindings(ledger: Ledger, prices: PriceTable, r: Report, t: FindingThresholds): ReportFindings {
  const ids = new Set(r.sessions.map((s) => s.sessionId));
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
  return { findings, recentSpend };
}
