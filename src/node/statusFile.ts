// The status summary file (`<state>/status.json`): what the statusline shows — each recent session's cost and
// context fill, recent days' totals, and the size each log was read up to. The ledger's writer refreshes it after
// every persist (statusSummary.ts builds it); a statusline call reads it (a few KB to a few hundred) instead of
// loading the ledger, and knows from a single stat of its transcript whether it is current. No heavy imports here:
// the CLI's quick path reads it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomicWrite';

export const SUMMARY_FILE = 'status.json';
export const SUMMARY_VERSION = 1;

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
  /** The log roots it covers (see summaryScope); a statusline asked about other roots does not use it. */
  scope: string;
  totalUsd: number;
  /** Cost per calendar day in `timeZone` (recent days). */
  days: Record<string, number>;
  /** Sessions active in the recent days, by session id. */
  sessions: Record<string, SummarySession>;
  /** Size each log was read up to (a file of another size has news). */
  files: Record<string, number>;
}

/** Identifies a set of log roots. */
export function summaryScope(roots: { dir: string }[]): string {
  return roots.map((r) => r.dir).sort().join('\n');
}

export function writeSummary(stateDir: string, summary: StatusSummary): void {
  // Derived from the ledger, and rebuilt when unreadable: no fsync.
  writeFileAtomic(path.join(stateDir, SUMMARY_FILE), JSON.stringify(summary), { durable: false });
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
