// Which findings to show: the live ones (sessions active recently, for the panel, the status bar and
// notifications) and a report's (the sessions it covers). Both run every detector over the sessions' timelines.
import { emptySpend, runawayBurn, sessionFindings } from './detectors';
import { compareFindings, type Finding, type FindingThresholds } from './findings';
import type { Ledger } from './ledger';
import type { LiveTotals } from './liveTotals';
import type { PriceTable } from './pricing';
import { forEachSessionTimeline } from './sessionTimeline';

/** Sessions with a request in this many hours count as live. */
export const LIVE_HOURS = 24;

/** Findings over the given sessions (every session when undefined), most severe first. */
export function findingsOf(ledger: Ledger, prices: PriceTable, t: FindingThresholds, sessionIds?: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const spend = emptySpend();
  forEachSessionTimeline(ledger, prices, sessionIds, (tl) => {
    for (const f of sessionFindings(tl, t)) out.push(f);
    for (const turn of tl.turns) {
      spend.ms.push(Date.parse(turn.at));
      spend.usd.push(turn.usd);
      spend.sessionId.push(tl.sessionId);
    }
  });
  for (const f of runawayBurn(spend, t)) out.push(f);
  return out.sort(compareFindings);
}

/** Findings of the sessions active in the last LIVE_HOURS before `now`. */
export function liveFindings(ledger: Ledger, live: LiveTotals, prices: PriceTable, t: FindingThresholds, now: Date): Finding[] {
  const since = new Date(now.getTime() - LIVE_HOURS * 3_600_000).toISOString();
  const ids = new Set<string>();
  for (const s of live.sessions.values()) if (s.lastAt >= since) ids.add(s.sessionId);
  if (ids.size === 0) return [];
  // A burn episode or a loop that ended before the window is history, not news.
  return findingsOf(ledger, prices, t, ids).filter((f) => f.lastAt >= since);
}
