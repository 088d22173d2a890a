// The unit everything else counts: one billed model request (UsageRecord), plus the non-billing facts a
// session's log carries (SessionEvent). Parsers produce them, the ledger dedups and indexes them.

/** Which agent wrote the log. */
export type AgentKind = 'claude-code' | 'codex';

/** Token counts by billing type. `input` is uncached input; `output` includes reasoning. */
export interface TokenCounts {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

export function zeroTokens(): TokenCounts {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0 };
}

/** Adds `b` into `a` in place (hot path: no allocation). */
export function addTokens(a: TokenCounts, b: TokenCounts): void {
  a.input += b.input;
  a.output += b.output;
  a.cacheRead += b.cacheRead;
  a.cacheWrite5m += b.cacheWrite5m;
  a.cacheWrite1h += b.cacheWrite1h;
}

export function totalTokens(t: TokenCounts): number {
  return t.input + t.output + t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
}

/** What the model saw as prompt: uncached input + cache read + cache write. Decides tiers and context fill. */
export function promptTokens(t: TokenCounts): number {
  return t.input + t.cacheRead + t.cacheWrite5m + t.cacheWrite1h;
}

/** One billed API response, as logged. */
export interface UsageRecord {
  agent: AgentKind;
  /** Dedup key: equal keys are copies of the same response (streamed blocks, fork copies). */
  key: string;
  /** The session the cost belongs to (a subagent's parent session). */
  sessionId: string;
  /** Subagent id when the request came from a subagent (Claude Code sidechain file). */
  agentId?: string;
  /** ISO-8601 UTC timestamp of the response. */
  timestamp: string;
  /** Model id as logged (the API's answer for Claude Code, `turn_context.model` for Codex). */
  model: string;
  project?: string;
  branch?: string;
  tokens: TokenCounts;
  webSearchRequests: number;
  /** Claude fast mode (`usage.speed == "fast"`). */
  fast: boolean;
  stopReason?: string;
  /** Context window the agent reported for this request (Codex `model_context_window`). */
  contextWindow?: number;
  /**
   * The line sits in its file after a later-stamped line: history copied in by a fork (`--fork-session` writes the
   * fork's own queue entry first, then the parent's lines). Among equal copies the ledger keeps the original.
   */
  copied?: boolean;
}

/** Billed requests that the log only hints at; priced as labelled estimates, never mixed into costUsd. */
export interface EstimateRecord {
  key: string;
  sessionId: string;
  timestamp: string;
  /** Model to price with; undefined = the session's latest main-thread model. */
  model?: string;
  reason: 'compact-summary' | 'session-title';
  tokens: TokenCounts;
}

/** Non-billing facts from a log, used for context fill and (later) detectors. */
export type SessionEvent =
  | { kind: 'compaction'; key: string; sessionId: string; timestamp: string; preTokens?: number; postTokens?: number }
  | { kind: 'api-error'; key: string; sessionId: string; timestamp: string; status?: number; error?: string }
  | { kind: 'session-meta'; sessionId: string; project?: string; branch?: string; timestamp?: string }
  /**
   * A tool call of a response (`key`: the response's record key), known by hashes only: of its tool-use id (to
   * match its result), of its whole input, and of its target (a Bash command, an edited file's path; 0 = none).
   */
  | { kind: 'tool-call'; key: string; toolId: number; name: string; fingerprint: number; target: number }
  /** A tool result that came back with is_error (`toolId`: hash of the tool-use id it answers). */
  | { kind: 'tool-error'; toolId: number };

/** What a parser makes of one line. */
export type ParsedLine =
  | { kind: 'usage'; record: UsageRecord; /** Facts about the same response (a Codex response's tool calls). */ events?: SessionEvent[] }
  | { kind: 'estimate'; estimate: EstimateRecord; event?: SessionEvent }
  | { kind: 'event'; event: SessionEvent }
  | { kind: 'skip' }
  | { kind: 'rejected'; reason: RejectionReason };

/** Why a line was not used. Counted per reason and shown; never thrown. */
export type RejectionReason =
  | 'not-json' // does not look like a JSON object at all (garbage, binary)
  | 'invalid-json' // looked like JSON but JSON.parse failed (half-written line, corruption)
  | 'schema' // a line that should carry usage but whose fields do not fit the schema
  | 'line-too-long' // over the line size cap; skipped without buffering it
  | 'incomplete-line'; // a last line with no newline that is not (yet) a whole JSON object
