// The ledger: every billed request exactly once. Copies of one response (Claude Code logs one line per content
// block; `--fork-session` copies whole histories into a new file) share a key; among copies the largest usage wins
// (a sidechain line can hold the stream's first snapshot, a later copy the final numbers). Pure: no I/O.
import type { EstimateRecord, ParsedLine, RejectionReason, SessionEvent, UsageRecord } from './usageRecord';
import { totalTokens } from './usageRecord';

/** Counters shown as the data-quality line: what was read and what could not be used, by reason. */
export interface ReadDiagnostics {
  files: number;
  lines: number;
  rejectedLines: number;
  rejected: Partial<Record<RejectionReason, number>>;
  /** Lines kept although something was off (e.g. invalid UTF-8 inside a string value). */
  repaired: Record<string, number>;
  /** Files or folders that could not be read, with the reason. */
  unreadable: { path: string; error: string }[];
}

export function emptyDiagnostics(): ReadDiagnostics {
  return { files: 0, lines: 0, rejectedLines: 0, rejected: {}, repaired: {}, unreadable: [] };
}

export interface SessionInfo {
  project?: string;
  branch?: string;
}

export class Ledger {
  readonly records = new Map<string, UsageRecord>();
  readonly estimates = new Map<string, EstimateRecord>();
  readonly compactions = new Map<string, Extract<SessionEvent, { kind: 'compaction' }>>();
  readonly apiErrors = new Map<string, Extract<SessionEvent, { kind: 'api-error' }>>();
  readonly sessionInfo = new Map<string, SessionInfo>();
  readonly diagnostics: ReadDiagnostics = emptyDiagnostics();

  /** Records what a parser made of one line. */
  add(parsed: ParsedLine): void {
    switch (parsed.kind) {
      case 'usage':
        this.addRecord(parsed.record);
        return;
      case 'estimate':
        if (!this.estimates.has(parsed.estimate.key)) this.estimates.set(parsed.estimate.key, parsed.estimate);
        if (parsed.event) this.addEvent(parsed.event);
        return;
      case 'event':
        this.addEvent(parsed.event);
        return;
      case 'rejected':
        this.reject(parsed.reason);
        return;
      case 'skip':
        return;
    }
  }

  reject(reason: RejectionReason): void {
    this.diagnostics.rejectedLines++;
    this.diagnostics.rejected[reason] = (this.diagnostics.rejected[reason] ?? 0) + 1;
  }

  addRecord(record: UsageRecord): void {
    const existing = this.records.get(record.key);
    if (existing) {
      const had = totalTokens(existing.tokens);
      const has = totalTokens(record.tokens);
      const better = has > had || (has === had && existing.copied === true && !record.copied);
      if (!better) {
        // Codex logs the window on the token_count line that follows its token_usage_record twin.
        existing.contextWindow ??= record.contextWindow;
        return;
      }
      record.contextWindow ??= existing.contextWindow;
    }
    this.records.set(record.key, record);
  }

  private addEvent(event: SessionEvent): void {
    if (event.kind === 'compaction') this.compactions.set(event.key, event);
    else if (event.kind === 'api-error') this.apiErrors.set(event.key, event);
    else {
      const info = this.sessionInfo.get(event.sessionId) ?? {};
      info.project ??= event.project;
      if (event.branch) info.branch = event.branch;
      this.sessionInfo.set(event.sessionId, info);
    }
  }
}
