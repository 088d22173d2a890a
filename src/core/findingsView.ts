// Which findings to show: the live ones (sessions active recently, for the panel, the status bar and
// notifications) and a report's (the sessions it covers). Both run every detector over the sessions' timelines.
import { runawayBurn, sessionFindings, type SpendPoint } from './detectors';
import { compareFindings, type Finding, type FindingThresholds, type SessionTimeline } from './findings';
import type { Ledger } from './ledger';
import type { LiveTotals } from './liveTotals';
import type { PriceTable } from './pricing';
import { sessionTimelines } from './sessionTimeline';

/** Sessions with a request in this many hours count as live. */
export const LIVE_HOURS = 24;

/** Findings over the given sessions (every session when undefined), most severe first. */
export function findingsOf(ledger: Ledger, prices: PriceTable, t: FindingThresholds, sessionIds?: ReadonlySet<string>): Finding[] {
  const timelines = sessionTimelines(ledger, prices, sessionIds);
  const out = timelines.flatMap((tl) => sessionFindings(tl, t));
  out.push(...runawayBurn(spendPoints(timelines), t));
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

/** Every request of the timelines as spend points (the runaway-burn detector's input). */
export function spendPoints(timelines: SessionTimeline[]): SpendPoint[] {
  const points: SpendPoint[] = [];
  for (const tl of timelines) for (const turn of tl.turns) points.push({ at: turn.at, usd: turn.usd, sessionId: tl.sessionId });
  return points;
}
