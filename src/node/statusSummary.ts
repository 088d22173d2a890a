// The status summary: a small file the writer refreshes after every persist (`<state>/status.json`), holding what
// the statusline shows — each recent session's cost and context fill, recent days' totals, and the size each log
// was read up to. A statusline call reads it (a few KB to a few hundred) instead of loading the ledger, and knows
// from a single stat of its transcript whether it is current.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { contextOf, type LiveTotals } from '../core/liveTotals';
import { localDate } from '../core/report';
import type { FileCheckpoint } from './logReader';
import { writeFileAtomic } from './ledgerStore';

export const SUMMARY_FILE = 'status.json';
const SUMMARY_VERSION = 1;
const RECENT_DAYS = 35;

export interface SummarySession {
  agent: string;
  costUsd: number;
  estimatedExtraUsd: number;
  requests: number;
  contextTokens: number;
  contextWindow: number;
  model: string | null;
  lastAt: string;
  project: string | null;
}

export interface StatusSummary {
  version: number;
  writtenAt: string;
  timeZone: string;
  totalUsd: number;
  /** Cost per calendar day in `timeZone` (recent days). */
  days: Record<string, number>;
  /** Sessions active in the recent days, by session id. */
  sessions: Record<string, SummarySession>;
  /** Size each log was read up to (a file of another size has news). */
  files: Record<string, number>;
}

export function buildSummary(live: LiveTotals, checkpoints: Map<string, FileCheckpoint>, now: Date): StatusSummary {
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
  return { version: SUMMARY_VERSION, writtenAt: now.toISOString(), timeZone: live.timeZone, totalUsd: live.costUsd, days, sessions, files };
}

export function writeSummary(stateDir: string, summary: StatusSummary): void {
  writeFileAtomic(path.join(stateDir, SUMMARY_FILE), JSON.stringify(summary));
}

/** The summary, or undefined when there is none or it cannot be read (the caller then catches up itself). */
export function readSummary(stateDir: string): StatusSummary | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(stateDir, SUMMARY_FILE), 'utf8')) as StatusSummary;
    return s.version === SUMMARY_VERSION && typeof s.days === 'object' && typeof s.sessions === 'object' ? s : undefined;
  } catch {
    return undefined;
  }
}
