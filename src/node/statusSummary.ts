// Builds the status summary (see statusFile.ts) from the live totals and the logs' checkpoints.
import { localDate } from '../core/calendar';
import { contextOf, type LiveTotals } from '../core/liveTotals';
import type { FileCheckpoint } from './logReader';
import { SUMMARY_VERSION, type StatusSummary, type SummarySession } from './statusFile';

const RECENT_DAYS = 35;

export function buildSummary(live: LiveTotals, checkpoints: Map<string, FileCheckpoint>, scope: string, now: Date): StatusSummary {
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000).toISOString();
  const sinceDay = localDate(since, live.timeZone);
  const days: Record<string, number> = {};
  for (const [date, d] of live.days) if (date >= sinceDay) days[date] = Math.round(d.costUsd * 1e10) / 1e10;
  const sessions: Record<string, SummarySession> = {};
  for (const s of live.sessions.values()) {
    if (s.lastAt < since) continue;
    const ctx = contextOf(s, live.prices);
    sessions[s.sessionId] = {
      agent: s.agent,
      costUsd: s.costUsd,
      estimatedExtraUsd: s.estimatedExtraUsd,
      requests: s.requests,
      contextTokens: ctx.tokens,
      contextWindow: ctx.window,
      model: ctx.model ?? null,
      lastAt: s.lastAt,
      project: s.project ?? null,
    };
  }
  const files: Record<string, number> = {};
  for (const [p, cp] of checkpoints) if (!cp.deleted) files[p] = cp.size;
  return { version: SUMMARY_VERSION, writtenAt: now.toISOString(), timeZone: live.timeZone, scope, totalUsd: live.costUsd, days, sessions, files };
}
